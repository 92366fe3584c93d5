// Package redisstore keeps Grænsen's state in Redis.
//
// Keyspaces (all under a configurable prefix, default "g:"; the <h> parts
// are keyed hashes made by the bot, never raw ids):
//
//	<p>conv:<h>   hash {v: version, s: sealed dialog state}; idle TTL
//	<p>user:<h>   hash {v: version, p: profile JSON, ref: sealed conversation
//	              reference, rs: keyed checksum of the reference}; idle TTL
//	<p>users      set of user hashes with a conversation reference (audiences)
//	              (user:<h> also holds aad: the sealed Entra object id, for
//	              AMK's campaign export)
//	<p>team:<h>   hash {ref: sealed channel reference}; <p>teams the set of them
//	<p>campaign:* and <p>rate:*  campaigns and the shared rate limits: see
//	              package bot/campaign
//	<p>stats:r:<YYYY-MM>, <p>stats:u:<YYYY-MM>, <p>report:<id>:stats
//	              statistics counters (no case id, no person's key, nothing
//	              finer than the month) and a case's counted-marker: stats.go
//
// A turn costs two round trips: one pipelined read of both hashes, and one
// Lua script that checks both versions and writes atomically
// (optimistic concurrency: a conflict makes the bot rerun the turn on fresh
// state).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrConflict is returned by CommitTurn when another turn changed the
// conversation or the profile since it was loaded.
var ErrConflict = errors.New("state changed concurrently")

// Store is the Redis-backed store. It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns a Store using keys under prefix (e.g. "g:"; tests use their own).
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// Client is the underlying Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Key builds a key in the store's namespace.
func (s *Store) Key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// Ping checks that Redis answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// TurnData is what a turn loads: the conversation's sealed state and the
// user's profile, each with its version (0 when absent).
type TurnData struct {
	Conv    []byte
	ConvVer int64
	Profile []byte
	UserVer int64
	RefSum  string
}

// LoadTurn reads a conversation and a user in one round trip.
func (s *Store) LoadTurn(ctx context.Context, conv, user string) (TurnData, error) {
	pipe := s.rdb.Pipeline()
	c := pipe.HMGet(ctx, s.Key("conv", conv), "v", "s")
	u := pipe.HMGet(ctx, s.Key("user", user), "v", "p", "rs")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return TurnData{}, fmt.Errorf("load turn: %w", err)
	}
	cv, uv := c.Val(), u.Val()
	return TurnData{
		ConvVer: num(cv[0]), Conv: bytesOf(cv[1]),
		UserVer: num(uv[0]), Profile: bytesOf(uv[1]), RefSum: str(uv[2]),
	}, nil
}

// TurnCommit is what a turn writes.
type TurnCommit struct {
	Conv, User string // keyed hashes
	ConvVer    int64  // as loaded
	ConvData   []byte
	ConvTTL    time.Duration
	// UserVer is the profile version as loaded; Profile nil means the
	// profile did not change (and its version is not checked).
	UserVer int64
	Profile []byte
	UserTTL time.Duration
	// Ref, when non-nil, replaces the sealed conversation reference.
	Ref    []byte
	RefSum string
	// Forget deletes the user's profile and reference (uninstall).
	Forget bool
	// Ops are further writes committed atomically with the state (a filed
	// report, a scheduled reminder): all or nothing with the turn.
	Ops []Op
}

// Op is one Redis write inside a turn's commit. Cmd is one of the
// commands in allowedOps; Key is a full key (see Store.Key).
type Op struct {
	Cmd  string
	Key  string
	Args []any
}

// allowedOps are the commands an Op may use (checked again in the script).
var allowedOps = map[string]bool{
	"SET": true, "DEL": true, "HSET": true, "HDEL": true, "PEXPIRE": true, "PEXPIREAT": true,
	"ZADD": true, "ZREM": true, "SADD": true, "SREM": true, "XADD": true, "INCRBY": true,
}

var commitScript = redis.NewScript(`
local cv = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cv ~= tonumber(ARGV[1]) then return 0 end
if ARGV[4] ~= '-' then
  local uv = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
  if uv ~= tonumber(ARGV[4]) then return 0 end
end
-- Further ops first: Redis does not roll a script back, so if an op fails
-- the script stops before the state is written and the turn can be retried
-- with its draft intact. ARGV[11] = count, then per op: cmd, nargs, args...;
-- keys from KEYS[4].
local i = 12
for n = 1, tonumber(ARGV[11]) do
  local cmd, nargs = ARGV[i], tonumber(ARGV[i + 1])
  local args = {}
  for j = 1, nargs do args[j] = ARGV[i + 1 + j] end
  redis.call(cmd, KEYS[3 + n], unpack(args))
  i = i + 2 + nargs
end
redis.call('HSET', KEYS[1], 'v', cv + 1, 's', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[10])
  return 1
end
if ARGV[4] ~= '-' then
  redis.call('HSET', KEYS[2], 'v', tonumber(ARGV[4]) + 1, 'p', ARGV[5])
end
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[2], 'ref', ARGV[7], 'rs', ARGV[8])
  redis.call('SADD', KEYS[3], ARGV[10])
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
return 1
`)

// CommitTurn writes a turn's state atomically if neither the conversation
// nor (when changed) the profile moved since LoadTurn; else ErrConflict.
func (s *Store) CommitTurn(ctx context.Context, c TurnCommit) error {
	userVer := "-"
	if c.Profile != nil {
		userVer = strconv.FormatInt(c.UserVer, 10)
	}
	forget := "0"
	if c.Forget {
		forget = "1"
	}
	keys := []string{s.Key("conv", c.Conv), s.Key("user", c.User), s.Key("users")}
	args := []any{c.ConvVer, c.ConvData, c.ConvTTL.Milliseconds(),
		userVer, c.Profile, c.UserTTL.Milliseconds(),
		c.Ref, c.RefSum, forget, c.User, len(c.Ops)}
	for _, op := range c.Ops {
		if !allowedOps[op.Cmd] {
			return fmt.Errorf("commit turn: op %q not allowed", op.Cmd)
		}
		keys = append(keys, op.Key)
		args = append(args, op.Cmd, len(op.Args))
		args = append(args, op.Args...)
	}
	res, err := commitScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	if res == 0 {
		return ErrConflict
	}
	return nil
}

// Ref returns a user's sealed conversation reference (nil when none).
func (s *Store) Ref(ctx context.Context, user string) ([]byte, error) {
	b, err := s.rdb.HGet(ctx, s.Key("user", user), "ref").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load reference: %w", err)
	}
	return b, nil
}

// DropRef deletes a user's conversation reference (the recipient is
// unreachable: uninstalled or blocked), keeping the profile.
func (s *Store) DropRef(ctx context.Context, user string) error {
	pipe := s.rdb.TxPipeline()
	pipe.HDel(ctx, s.Key("user", user), "ref", "rs")
	pipe.SRem(ctx, s.Key("users"), user)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("drop reference: %w", err)
	}
	return nil
}

func num(v any) int64 {
	if s, ok := v.(string); ok {
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	return 0
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func bytesOf(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	return nil
}
