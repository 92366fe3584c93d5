package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outbox (issue 15, point 3): one tenant-wide queue of the messages
// the bot starts itself (welcomes after an install, reminders, report
// notifications), sharing the tenant budget (<p>rate:tenant, the same
// GCRA arrival time as campaigns) in priority order:
//
//	<p>ob:q        sorted set: entry id → priority·1e13 + not-before (unix ms)
//	<p>ob:l        sorted set: entry id → lease expiry (unix ms) while sent
//	<p>ob:e:<id>   hash {p: sealed payload, s: its score in ob:q}
//
// Replies in a turn are not queued, but take the budget first
// (TakeBudget); campaigns yield to any due outbox entry (their acquire
// script looks at ob:q). Nothing is dropped for being throttled.

// OutboxPrioritySpan separates priorities in the outbox's scores.
const OutboxPrioritySpan = 1e13

// OutboxKey is the outbox queue (read by the campaigns' acquire script).
func (s *Store) OutboxKey() string { return s.Key("ob", "q") }

// OutboxOps are the writes that queue a sealed payload, for a turn's
// commit (atomic with the turn that promised it).
func (s *Store) OutboxOps(id string, prio int, notBefore time.Time, sealed []byte) []Op {
	score := float64(prio)*OutboxPrioritySpan + float64(notBefore.UnixMilli())
	return []Op{
		{Cmd: "HSET", Key: s.Key("ob", "e", id), Args: []any{"p", sealed, "s", strconv.FormatFloat(score, 'f', 0, 64)}},
		{Cmd: "ZADD", Key: s.OutboxKey(), Args: []any{score, id}},
	}
}

// outboxClaimScript: KEYS q, l, tenant, proactive (ProactiveActive); ARGV now µs, lease until ms,
// interval µs, max ahead µs, entry key prefix, max priority. Returns
// {-1} when nothing is due, {1, ms} when the tenant must wait, else {0,
// µs until the slot, id, payload}.
var outboxClaimScript = redis.NewScript(`
local now_us = tonumber(ARGV[1])
local now_ms = math.floor(now_us / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  local s = redis.call('HGET', ARGV[5] .. id, 's')
  if s then redis.call('ZADD', KEYS[1], s, id) end
end
local found = nil
for p = 1, tonumber(ARGV[6]) do
  local lo = p * 1e13
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], string.format('%.0f', lo), string.format('%.0f', lo + now_ms), 'LIMIT', 0, 1)
  if #due > 0 then found = due[1] break end
end
if not found then return {-1} end
local tat = tonumber(redis.call('GET', KEYS[3]) or '0')
local start = math.max(tat, now_us)
local ahead = start - now_us
if ahead > tonumber(ARGV[4]) then
  return {1, math.max(1, math.ceil((ahead - tonumber(ARGV[4])) / 1000))}
end
redis.call('SET', KEYS[3], string.format('%.0f', start + tonumber(ARGV[3])), 'PX', 60000)
redis.call('SET', KEYS[4], '1', 'PX', 2000)
redis.call('ZREM', KEYS[1], found)
redis.call('ZADD', KEYS[2], ARGV[2], found)
local payload = redis.call('HGET', ARGV[5] .. found, 'p') or ''
return {0, ahead, found, payload}
`)

// OutboxItem is a claimed entry: send it after Wait, then Ack or Retry.
type OutboxItem struct {
	ID      string
	Payload []byte
	Wait    time.Duration
}

// ClaimOutbox takes the first due entry of the highest priority and a
// slot of the tenant budget for it. ok=false with wait > 0: the budget is
// spent for that long; with wait 0: nothing is due.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, interval time.Duration, maxAhead time.Duration, maxPrio int) (it OutboxItem, ok bool, wait time.Duration, err error) {
	res, err := outboxClaimScript.Run(ctx, s.rdb, []string{s.OutboxKey(), s.Key("ob", "l"), s.Key("rate", "tenant"), s.proactiveKey()},
		now.UnixMicro(), now.Add(lease).UnixMilli(), interval.Microseconds(), maxAhead.Microseconds(), s.Key("ob", "e", ""), maxPrio).Slice()
	if err != nil {
		return it, false, 0, fmt.Errorf("outbox claim: %w", err)
	}
	code, _ := res[0].(int64)
	switch code {
	case -1:
		return it, false, 0, nil
	case 1:
		ms, _ := res[1].(int64)
		return it, false, time.Duration(ms) * time.Millisecond, nil
	}
	us, _ := res[1].(int64)
	id, _ := res[2].(string)
	p, _ := res[3].(string)
	return OutboxItem{ID: id, Payload: []byte(p), Wait: time.Duration(us) * time.Microsecond}, true, 0, nil
}

// AckOutbox deletes a sent (or skipped) entry.
func (s *Store) AckOutbox(ctx context.Context, id string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.Key("ob", "l"), id)
	pipe.Del(ctx, s.Key("ob", "e", id))
	_, err := pipe.Exec(ctx)
	return err
}

// RetryOutbox puts a leased entry back, due at notBefore, same priority;
// sealed, when set, replaces its payload (what is left to send).
func (s *Store) RetryOutbox(ctx context.Context, id string, prio int, notBefore time.Time, sealed []byte) error {
	score := float64(prio)*OutboxPrioritySpan + float64(notBefore.UnixMilli())
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.Key("ob", "e", id), "s", strconv.FormatFloat(score, 'f', 0, 64))
	if sealed != nil {
		pipe.HSet(ctx, s.Key("ob", "e", id), "p", sealed)
	}
	pipe.ZRem(ctx, s.Key("ob", "l"), id)
	pipe.ZAdd(ctx, s.OutboxKey(), redis.Z{Score: score, Member: id})
	_, err := pipe.Exec(ctx)
	return err
}

// OutboxLen is how many entries are queued (not leased).
func (s *Store) OutboxLen(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.OutboxKey()).Result()
}

var takeBudgetScript = redis.NewScript(`
local now_us = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now_us)
redis.call('SET', KEYS[1], string.format('%.0f', start + tonumber(ARGV[2])), 'PX', 60000)
return start - now_us
`)

// proactiveKey marks, for two seconds, that a proactive sender (the
// outbox or a campaign) took a slot of the tenant budget.
func (s *Store) proactiveKey() string { return s.Key("rate", "proactive") }

// ProactiveActive says whether a proactive sender of any replica took a
// slot of the tenant budget in the last two seconds: while none did, a
// reply's slot pushes nobody back, and taking it can be skipped.
func (s *Store) ProactiveActive(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.proactiveKey()).Result()
	if err != nil {
		return false, fmt.Errorf("proactive: %w", err)
	}
	return n > 0, nil
}

// TakeBudget takes the next slot of the tenant budget and says how far
// ahead it is. A reply in a turn ignores that and is sent at once (the
// proactive senders' next slots move back by one); the outbox waits for
// it before the second message of an entry.
func (s *Store) TakeBudget(ctx context.Context, now time.Time, interval time.Duration) (time.Duration, error) {
	us, err := s.batch.run(ctx, s.rdb, takeBudgetScript, []string{s.Key("rate", "tenant")}, now.UnixMicro(), interval.Microseconds()).Int64()
	return time.Duration(us) * time.Microsecond, err
}
