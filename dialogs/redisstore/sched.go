package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The scheduler keyspace:
//
//	<p>sched        sorted set: item id → due time (unix ms)
//	<p>sched:lease  sorted set: item id → lease expiry (unix ms) while a
//	                replica carries it out
//	<p>sched:i:<id> hash {k: kind, p: payload}: the item
//
// Items fire once across replicas: a Lua script moves due items to the
// lease set atomically, so only one replica gets each. An item whose lease
// expires (its replica died mid-way) becomes due again: at least once, and
// in normal operation exactly once.

// Due is a scheduled item that has come due and is leased to the caller.
type Due struct {
	ID      string
	Kind    string
	Payload []byte
	At      time.Time
}

// ScheduleOps are the writes that schedule an item, for a turn's commit
// (atomic with the dialog state that promised it).
func (s *Store) ScheduleOps(id string, at time.Time, kind string, payload []byte) []Op {
	return []Op{
		{Cmd: "HSET", Key: s.Key("sched", "i", id), Args: []any{"k", kind, "p", payload}},
		{Cmd: "ZADD", Key: s.Key("sched"), Args: []any{at.UnixMilli(), id}},
	}
}

// UnscheduleOps are the writes that cancel an item, for a turn's commit.
func (s *Store) UnscheduleOps(id string) []Op {
	return []Op{
		{Cmd: "ZREM", Key: s.Key("sched"), Args: []any{id}},
		{Cmd: "DEL", Key: s.Key("sched", "i", id)},
	}
}

// Schedule adds (or moves) an item outside a turn.
func (s *Store) Schedule(ctx context.Context, id string, at time.Time, kind string, payload []byte) error {
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.Key("sched", "i", id), "k", kind, "p", payload)
	pipe.ZAdd(ctx, s.Key("sched"), redis.Z{Score: float64(at.UnixMilli()), Member: id})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("schedule %s: %w", kind, err)
	}
	return nil
}

// Unschedule cancels an item outside a turn.
func (s *Store) Unschedule(ctx context.Context, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.Key("sched"), id)
	pipe.ZRem(ctx, s.Key("sched", "lease"), id)
	pipe.Del(ctx, s.Key("sched", "i", id))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("unschedule: %w", err)
	}
	return nil
}

// claimScript returns expired leases to the due set, then leases up to
// ARGV[2] items due by ARGV[1] until ARGV[3], returning id, score, kind,
// payload for each.
var claimScript = redis.NewScript(`
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], ARGV[1], id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #due, 2 do
  local id, at = due[i], due[i + 1]
  redis.call('ZREM', KEYS[1], id)
  local item = redis.call('HMGET', ARGV[4] .. id, 'k', 'p')
  if item[1] then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    table.insert(out, id)
    table.insert(out, at)
    table.insert(out, item[1])
    table.insert(out, item[2] or '')
  end
end
return out
`)

// ClaimDue leases up to limit items due by now for the lease duration.
// The caller must Ack each item once carried out (or Retry it).
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Due, error) {
	keys := []string{s.Key("sched"), s.Key("sched", "lease")}
	res, err := claimScript.Run(ctx, s.rdb, keys, now.UnixMilli(), limit, now.Add(lease).UnixMilli(), s.Key("sched", "i", "")).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim due items: %w", err)
	}
	out := make([]Due, 0, len(res)/4)
	for i := 0; i+3 < len(res); i += 4 {
		ms, _ := strconv.ParseFloat(res[i+1], 64)
		out = append(out, Due{ID: res[i], At: time.UnixMilli(int64(ms)), Kind: res[i+2], Payload: []byte(res[i+3])})
	}
	return out, nil
}

// Ack marks a leased item done and deletes it.
func (s *Store) Ack(ctx context.Context, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.Key("sched", "lease"), id)
	pipe.Del(ctx, s.Key("sched", "i", id))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ack %s: %w", id, err)
	}
	return nil
}

// Retry puts a leased item back, due again at the given time.
func (s *Store) Retry(ctx context.Context, id string, at time.Time) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.Key("sched", "lease"), id)
	pipe.ZAdd(ctx, s.Key("sched"), redis.Z{Score: float64(at.UnixMilli()), Member: id})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("retry %s: %w", id, err)
	}
	return nil
}
