package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The report keyspace (anonymous reporting, package bot/report; the
// package doc lists every key and its sealing label). The report domain
// builds its writes as Ops and carries them out with Write and WriteOnce;
// the reads and the inbox queue are here.

// CaseKey is a case's event stream; CaseRefKey the reporter's sealed
// conversation reference (notifications, by opt-in); PostedKey the sealed
// Teams id of the case's card in the inbox; LockKey the posting lease.
func (s *Store) CaseKey(id string) string    { return s.Key("report", id) }
func (s *Store) CaseRefKey(id string) string { return s.Key("report", id, "ref") }
func (s *Store) PostedKey(id string) string  { return s.Key("report", id, "posted") }
func (s *Store) LockKey(id string) string    { return s.Key("report", id, "lock") }

// ReceiptKey is a receipt's index (h: keyed hash of the code);
// SessionKey a receipt check's session (h: keyed hash of its token).
func (s *Store) ReceiptKey(h string) string { return s.Key("receipt", h) }
func (s *Store) SessionKey(h string) string { return s.Key("rsess", h) }

// InboxKey holds the unit channel's sealed reference; InboxQueue is the
// stream of inbox work; Pending the set of work waiting for the next
// release.
func (s *Store) InboxKey() string   { return s.Key("inbox") }
func (s *Store) InboxQueue() string { return s.Key("inboxq") }
func (s *Store) Pending() string    { return s.Key("outbox") }

// Counts reads counters (0 when absent).
func (s *Store) Counts(ctx context.Context, keys ...string) ([]int, error) {
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	out := make([]int, len(keys))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i], _ = strconv.Atoi(str)
		}
	}
	return out, nil
}

// Get reads a string key; ok is false when it is absent.
func (s *Store) Get(ctx context.Context, key string) (val []byte, ok bool, err error) {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", s.redact(key), err)
	}
	return b, true, nil
}

// Exists reports whether a key exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	n, err := s.rdb.Exists(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("read %s: %w", s.redact(key), err)
	}
	return n > 0, nil
}

// Hash reads a hash (empty when absent).
func (s *Store) Hash(ctx context.Context, key string) (map[string]string, error) {
	h, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.redact(key), err)
	}
	return h, nil
}

// Del deletes keys (best effort clean-ups outside a turn).
func (s *Store) Del(ctx context.Context, keys ...string) error {
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

// Events reads the field e of every entry of a stream, in order.
func (s *Store) Events(ctx context.Context, key string) ([][]byte, error) {
	msgs, err := s.rdb.XRange(ctx, key, "-", "+").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read %s: %w", s.redact(key), err)
	}
	out := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		e, _ := m.Values["e"].(string)
		out = append(out, []byte(e))
	}
	return out, nil
}

// Lock takes a short lease on key for owner; false when another holds it.
func (s *Store) Lock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("lock: %w", err)
	}
	return ok, nil
}

// SetAndUnlock sets key to val and releases the lease, atomically.
func (s *Store) SetAndUnlock(ctx context.Context, key string, val []byte, lock string) error {
	return s.Write(ctx, []Op{{Cmd: "SET", Key: key, Args: []any{val}}, {Cmd: "DEL", Key: lock}})
}

// ProbeZeroIDs checks that Redis makes the timestamp-free stream ids
// (XADD 0-*, Redis 7.0 or later) that cases and the inbox queue use.
func (s *Store) ProbeZeroIDs(ctx context.Context, name string) error {
	probe := s.Key("probe", name)
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: probe, ID: "0-*", Values: []any{"x", "1"}}).Err()
	if derr := s.rdb.Del(ctx, probe).Err(); err == nil && derr != nil {
		return fmt.Errorf("probe: delete: %w", derr)
	}
	return err
}

// --- the inbox queue ----------------------------------------------------------

// QueueItem is one piece of inbox work: Kind "new" (post a case), "upd"
// (the reporter wrote) or "ntf" (tell the reporter the unit answered).
type QueueItem struct {
	ID, Kind, Case string
}

// QueueOp is the op that queues inbox work now (sent at once).
func (s *Store) QueueOp(kind, id string) Op {
	return Op{Cmd: "XADD", Key: s.InboxQueue(), Args: []any{"0-*", "t", kind, "c", id}}
}

// PendingOp is the op that keeps inbox work for the next release. The
// outbox is a set: it keeps no order and no time, and two messages of one
// case in one batch are one update.
func (s *Store) PendingOp(kind, id string) Op {
	return Op{Cmd: "SADD", Key: s.Pending(), Args: []any{kind + ":" + id}}
}

// EnsureQueue creates the inbox queue's consumer group (idempotent).
func (s *Store) EnsureQueue(ctx context.Context, group string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.InboxQueue(), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group: %w", err)
	}
	return nil
}

func queueItems(msgs []redis.XMessage) []QueueItem {
	out := make([]QueueItem, 0, len(msgs))
	for _, m := range msgs {
		kind, _ := m.Values["t"].(string)
		id, _ := m.Values["c"].(string)
		out = append(out, QueueItem{ID: m.ID, Kind: kind, Case: id})
	}
	return out
}

// ReadQueue reads up to count items for consumer: from ">" new ones
// (waiting up to block; 0 returns at once), from "0" its own pending ones.
func (s *Store) ReadQueue(ctx context.Context, group, consumer, from string, count int, block time.Duration) ([]QueueItem, error) {
	args := &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{s.InboxQueue(), from}, Count: int64(count), Block: block}
	if block <= 0 {
		args.Block = -1 // no BLOCK: return at once
	}
	res, err := s.rdb.XReadGroup(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") {
			// The group is made again for the next read; this read's
			// error is what the caller hears, with the repair's if it failed.
			if eerr := s.EnsureQueue(ctx, group); eerr != nil {
				return nil, fmt.Errorf("read inbox queue: %w (and making its group again: %v)", err, eerr)
			}
		}
		return nil, fmt.Errorf("read inbox queue: %w", err)
	}
	var out []QueueItem
	for _, st := range res {
		out = append(out, queueItems(st.Messages)...)
	}
	return out, nil
}

// ClaimQueue takes over items another consumer left idle for minIdle.
func (s *Store) ClaimQueue(ctx context.Context, group, consumer string, minIdle time.Duration, count int) ([]QueueItem, error) {
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.InboxQueue(), Group: group, Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: int64(count),
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) && !strings.Contains(err.Error(), "NOGROUP") {
		return nil, fmt.Errorf("claim inbox items: %w", err)
	}
	return queueItems(msgs), nil
}

// QueueDone acknowledges and deletes an item (the stream keeps no
// history of done work).
func (s *Store) QueueDone(ctx context.Context, group, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.XAck(ctx, s.InboxQueue(), group, id)
	pipe.XDel(ctx, s.InboxQueue(), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("acknowledge inbox item: %w", err)
	}
	return nil
}

// --- releases ---------------------------------------------------------------------

// releaseScript moves the given outbox members (in the order given) into
// the inbox queue. Each member moves only if it is still in the outbox,
// so a release run twice (a replica died mid-way and its lease expired)
// moves nothing twice, and members added meanwhile wait for the next.
var releaseScript = redis.NewScript(`
local n = 0
for _, m in ipairs(ARGV) do
  if redis.call('SREM', KEYS[1], m) == 1 then
    local kind, id = string.match(m, '^(%a+):(.+)$')
    if kind then
      redis.call('XADD', KEYS[2], '0-*', 't', kind, 'c', id)
      n = n + 1
    end
  end
end
return n
`)

// Release moves the whole outbox into the inbox queue in one atomic
// write, in the order shuffle makes of it (shuffle as rand.Shuffle),
// and returns how many items it moved.
func (s *Store) Release(ctx context.Context, shuffle func(n int, swap func(i, j int))) (int, error) {
	members, err := s.rdb.SMembers(ctx, s.Pending()).Result()
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	if len(members) == 0 {
		return 0, nil
	}
	shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	n, err := releaseScript.Run(ctx, s.rdb, []string{s.Pending(), s.InboxQueue()}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	return n, nil
}

// PendingLen is how many items wait for the next release.
func (s *Store) PendingLen(ctx context.Context) (int, error) {
	n, err := s.rdb.SCard(ctx, s.Pending()).Result()
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	return int(n), nil
}

// IncrUntil adds one to a counter and sets it to expire at until (one
// write of that key alone); it returns the new count.
func (s *Store) IncrUntil(ctx context.Context, key string, until time.Time) (int, error) {
	pipe := s.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.PExpireAt(ctx, key, until)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("count %w", err)
	}
	return int(incr.Val()), nil
}
