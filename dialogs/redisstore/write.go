package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// encodeOps appends ops to a script's keys and args: per op, cmd, nargs,
// args; its key is the next key.
func encodeOps(ops []Op, keys []string, args []any) ([]string, []any, error) {
	for _, op := range ops {
		if !allowedOps[op.Cmd] {
			return nil, nil, fmt.Errorf("op %q not allowed", op.Cmd)
		}
		keys = append(keys, op.Key)
		args = append(args, op.Cmd, len(op.Args))
		args = append(args, op.Args...)
	}
	return keys, args, nil
}

// writeScript carries out ops atomically, optionally once: with ARGV[1]
// = '1' it first sets KEYS[1] (the idempotency key) to ARGV[2] until
// ARGV[3] (unix ms) if absent, and does nothing when it was there. Ops
// (ARGV[4] of them, from ARGV[5]) use KEYS[2]...
var writeScript = redis.NewScript(`
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PXAT', ARGV[3]) then return 0 end
end
` + luaOps(4, 1) + `
return 1
`)

// Write carries out ops as one atomic write of their own (a script, which
// Redis 7 logs and replicates as one MULTI/EXEC of its effects). The ops
// must keep the separation and expiry rules (CheckOps).
func (s *Store) Write(ctx context.Context, ops []Op) error {
	_, err := s.write(ctx, "", nil, time.Time{}, ops)
	return err
}

// WriteOnce carries out ops atomically unless once (a full key: use
// OnceKey) exists; it then sets once to value until expires. It reports
// whether it wrote. A rerun of the same write (a turn retried after a
// conflict, a double click) is thereby a no-op.
func (s *Store) WriteOnce(ctx context.Context, once string, value []byte, expires time.Time, ops []Op) (bool, error) {
	return s.write(ctx, once, value, expires, ops)
}

func (s *Store) write(ctx context.Context, once string, value []byte, expires time.Time, ops []Op) (bool, error) {
	if len(ops) == 0 && once == "" {
		return false, nil
	}
	var extra []Class
	if once != "" {
		extra = append(extra, s.Classify(once))
	}
	if err := s.CheckOps(ops, extra...); err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	flag, first := "0", once
	if once != "" {
		flag = "1"
	} else {
		first = ops[0].Key
	}
	keys, args, err := encodeOps(ops, []string{first}, []any{flag, value, expires.UnixMilli(), len(ops)})
	if err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	n, err := writeScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	return n == 1, nil
}

// OnceKey is the idempotency key of a write, from a keyed hash of its
// random token (made by the caller; never the case id, nor derived from a
// person).
func (s *Store) OnceKey(h string) string { return s.Key("once", h) }

// RewriteAOF asks Redis to rewrite its append-only file (BGREWRITEAOF)
// when it keeps one, so that no write history older than now stays on
// disk: the rewritten file holds the data as it is, not the writes that
// made it. Where CONFIG is disabled (managed Redis such as Azure Cache for
// Redis) it logs that once and carries on; docs/deploy.md says what to set
// there. It reports whether a rewrite was started (or already running).
func (s *Store) RewriteAOF(ctx context.Context, log *slog.Logger) bool {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := s.rdb.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		if ctx.Err() == nil {
			s.noConfig.Do(func() {
				log.Info("Redis refuses CONFIG GET (managed Redis?): the bot cannot tell whether Redis keeps an append-only file, and does not ask it to rewrite one after releases; see docs/deploy.md", "err", err)
			})
		}
		return false
	}
	if cfg["appendonly"] != "yes" {
		return false
	}
	err = s.rdb.BgRewriteAOF(ctx).Err()
	if err != nil && !strings.Contains(err.Error(), "in progress") {
		if ctx.Err() == nil {
			log.Warn("Redis did not start rewriting its append-only file", "err", err)
		}
		return false
	}
	return true
}
