// Package redisstore keeps Grænsen's state in Redis. It is the only
// package outside cmd/ that talks to Redis: every key Grænsen has is
// listed here, once, with what it holds and how it is protected.
//
// Identifiers never appear in clear. <h> below is a keyed hash,
// HMAC-SHA256 under GRAENSEN_HASH_KEY with a purpose label
// (seal.Hasher.Sum(label, value)); "sealed(aad)" is AES-256-GCM under the
// current GRAENSEN_DATA_KEYS key, bound to aad (seal.Keyring), so a value
// copied to another key does not open. All keys are under a prefix <p>
// (GRAENSEN_REDIS_PREFIX, default "g:").
//
// A person's keys (class Person):
//
//	<p>conv:<h>        h = Sum("conv", channel|conversation id); hash {v: version,
//	                   s: sealed("conv:"+h) dialog state}; idle TTL
//	                   GRAENSEN_CONV_TTL
//	<p>user:<h>        h = Sum("user", the user's id); hash {v, p: profile JSON,
//	                   ref: sealed("ref:"+h) conversation reference, rs:
//	                   Sum("ref", reference), aad: sealed("aad:"+h) Entra
//	                   object id}; idle TTL GRAENSEN_USER_TTL
//	<p>users           set of user hashes with a reference (audiences)
//	<p>rate:file:<h>   reports one user filed on a day, h = Sum("rl-file",
//	                   user hash|date); expires the next midnight
//	<p>rate:rcpt:<h>   failed receipt checks of one user in an hour,
//	                   h = Sum("rl-rcpt", user hash|hour); expires after 2 h
//	<p>rate:hold:*, <p>rate:c:*  a campaign recipient's send pacing
//	<p>sched:i:reminder:<user hash>:<id> and its member in <p>sched
//
// A case's keys (class Case; package bot/report):
//
//	<p>report:<id>         stream of sealed(key) case events, ids 0-<n> (XADD
//	                       0-*: a sequence, no timestamp); dates only
//	<p>report:<id>:ref     sealed(key) reference of the reporter's chat, only
//	                       when they opted in to notifications; deleted at close
//	<p>report:<id>:posted  sealed(key) Teams id of the case's card in the
//	                       inbox (Teams ids carry the time they were posted)
//	<p>report:<id>:lock    short lease while a replica posts the card
//	<p>receipt:<h>         h = Sum("receipt", code); hash {s: salt, h:
//	                       argon2id(code, salt), c: sealed(key) case id};
//	                       expires at a midnight ReceiptIdle after the last use
//	<p>rsess:<h>           a receipt check's session, h = Sum("rsess", token);
//	                       sealed(key) case id; expires on a whole hour
//	<p>once:<h>            idempotency key of a case write, h = Sum("once-file",
//	                       the draft's random token) or Sum("once-msg" /
//	                       "once-case", the turn's random token);
//	                       sealed(key) case id; expires at the next midnight
//	                       but one
//	<p>outbox              set of "new:<id>", "upd:<id>", "ntf:<id>": work
//	                       waiting for the next release (no order, no time)
//	<p>inboxq              stream of released inbox work, ids 0-<n>, consumer
//	                       group "inbox"
//	<p>sched:i:case-*:<id> and their members in <p>sched: deadlines and purge
//	                       (at 09:00 or 03:00 of a date)
//	<p>report:<id>:stats   the case's counted-marker for the statistics
//	                       (what of the case the counters hold already): stats.go
//
// Neutral keys (class Neutral):
//
//	<p>inbox               sealed(key) reference of the unit's channel
//	<p>team:<h>            h = Sum("team", channel); hash {ref: sealed("team:"+h)};
//	                       <p>teams the set of them
//	<p>campaign:*          AMK's campaigns (package bot/campaign; sealed
//	                       "campaign:"+id, "pa:"+id, "aad:"+user hash)
//	<p>rate:file:all:<date>, <p>rate:rcpt:all:<hour>, <p>rate:tenant  global
//	                       counters
//	<p>stats:r:<YYYY-MM>, <p>stats:u:<YYYY-MM>  statistics counters (no case
//	                       id, no person's key, nothing finer than the month):
//	                       stats.go
//	<p>sched, <p>sched:lease, <p>sched:i:<id>  the shared scheduler (sched.go);
//	                       inbox-release:<ms> items are the releases
//
// The store enforces three rules (keys.go, write.go), so that Redis' own
// history (the AOF, the replication stream, RDB snapshots) gives away no
// more than its data:
//
//  1. No write touches both a person's and a case's keys. Redis 7 logs a
//     transaction, and a script as the MULTI/EXEC of its effects, as one
//     block in the AOF and the replication stream; a block with both would
//     tie a report to its reporter. CommitTurn (a person's write) refuses
//     case keys among its ops; Write and WriteOnce refuse a mix. The bot
//     files a report, checks a receipt and adds a message as a write of its
//     own (bot.Prepared.Write), before the turn's commit.
//  2. Expiries of a person's keys fall on whole hours: the idle TTLs become
//     PEXPIREAT at the next whole hour, and a relative or off-hour expiry
//     of a person's key is refused, so neither the AOF nor a snapshot gives
//     the last activity finer than the hour. (OBJECT IDLETIME still does,
//     to anyone with Redis access: docs/deploy.md.)
//  3. Ids that carry a time are sealed (the posted card's Teams id).
//
// After each release the bot asks Redis to rewrite its AOF (RewriteAOF).
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
	"sync"
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
	// noConfig is logged once when CONFIG is refused (managed Redis).
	noConfig sync.Once
	// cache, when set, spares turns LoadTurn's round trip (CacheTurns).
	cache *turnCache
	// batch sends the commits (and budget takes) of concurrent turns
	// together (batch.go).
	batch batcher
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
	// Cached: the data came from this process's turn cache (CacheTurns),
	// not from a read; the commit checks it like any other.
	Cached bool
}

// LoadTurn reads a conversation and a user in one round trip, or none
// when the turn cache has both (CacheTurns). conv "-" reads the user only,
// always from Redis.
func (s *Store) LoadTurn(ctx context.Context, conv, user string) (TurnData, error) {
	if s.cache != nil && conv != "-" {
		if d, ok := s.cache.cached(conv, user); ok {
			return d, nil
		}
	}
	return s.ReloadTurn(ctx, conv, user)
}

// ReloadTurn reads a conversation and a user from Redis, never from the
// turn cache: a turn runs again after a conflict on what Redis holds, so
// among many concurrent turns of one conversation none can conflict again
// and again on copies the others keep putting back.
func (s *Store) ReloadTurn(ctx context.Context, conv, user string) (TurnData, error) {
	pipe := s.rdb.Pipeline()
	c := pipe.HMGet(ctx, s.Key("conv", conv), "v", "s")
	u := pipe.HMGet(ctx, s.Key("user", user), "v", "p", "rs")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return TurnData{}, fmt.Errorf("load turn: %w", err)
	}
	cv, uv := c.Val(), u.Val()
	d := TurnData{
		ConvVer: num(cv[0]), Conv: bytesOf(cv[1]),
		UserVer: num(uv[0]), Profile: bytesOf(uv[1]), RefSum: str(uv[2]),
	}
	if s.cache != nil && conv != "-" {
		s.cache.loaded(conv, user, d)
	}
	return d, nil
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
	// Ops are further writes committed atomically with the state (a
	// scheduled reminder, a rate-limit counter): all or nothing with the
	// turn. They may not touch a case's keys (CheckOps): a report, a receipt
	// or a case session is written apart (Write, WriteOnce).
	Ops []Op
	// Now is the turn's clock, for the idle expiries (zero: time.Now).
	Now time.Time
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

// luaOps is the Lua that carries out encoded ops (encodeOps): the count
// in ARGV[count], the ops from ARGV[count+1], their keys from
// KEYS[keyBase+1].
func luaOps(count, keyBase int) string {
	return fmt.Sprintf(`local i = %d
for n = 1, tonumber(ARGV[%d]) do
  local cmd, nargs = ARGV[i], tonumber(ARGV[i + 1])
  local args = {}
  for j = 1, nargs do args[j] = ARGV[i + 1 + j] end
  redis.call(cmd, KEYS[%d + n], unpack(args))
  i = i + 2 + nargs
end`, count+1, count, keyBase)
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
` + luaOps(11, 3) + `
redis.call('HSET', KEYS[1], 'v', cv + 1, 's', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[10])
  return 1
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[2], 'v', tonumber(ARGV[4]) + 1, 'p', ARGV[5])
end
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[2], 'ref', ARGV[7], 'rs', ARGV[8])
  redis.call('HINCRBY', KEYS[2], 'v', 1)
  redis.call('SADD', KEYS[3], ARGV[10])
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIREAT', KEYS[2], ARGV[6]) end
return 1
`)

// CommitTurn writes a turn's state atomically if neither the conversation
// nor (when changed, or always with the turn cache on) the profile moved
// since LoadTurn; else ErrConflict. Writing the profile or the reference
// raises the profile's version.
// The idle TTLs become absolute expiries on the next whole hour (CeilHour).
// A commit whose ops touch a case's keys is refused (ErrLinked).
func (s *Store) CommitTurn(ctx context.Context, c TurnCommit) error {
	if err := s.CheckOps(c.Ops, Person); err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	userVer := "-"
	if c.Profile != nil || s.cache != nil {
		userVer = strconv.FormatInt(c.UserVer, 10)
	}
	forget := "0"
	if c.Forget {
		forget = "1"
	}
	keys := []string{s.Key("conv", c.Conv), s.Key("user", c.User), s.Key("users")}
	args := []any{c.ConvVer, c.ConvData, CeilHour(now.Add(c.ConvTTL)).UnixMilli(),
		userVer, c.Profile, CeilHour(now.Add(c.UserTTL)).UnixMilli(),
		c.Ref, c.RefSum, forget, c.User, len(c.Ops)}
	keys, args, err := encodeOps(c.Ops, keys, args)
	if err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	res, err := s.batch.run(ctx, s.rdb, commitScript, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}
	if res == 0 {
		if s.cache != nil {
			s.cache.forget(c.Conv, c.User)
		}
		return ErrConflict
	}
	if s.cache != nil {
		s.cache.committed(c)
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

// dropRefScript deletes the reference and raises the profile's version,
// so a turn from a cached copy (CacheTurns, in any replica) conflicts and
// rereads: a stale "rs" would otherwise keep the reference from being
// written again. A user without keys gets none.
var dropRefScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HDEL', KEYS[1], 'ref', 'rs')
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`)

// DropRef deletes a user's conversation reference (the recipient is
// unreachable: uninstalled or blocked), keeping the profile.
func (s *Store) DropRef(ctx context.Context, user string) error {
	if s.cache != nil {
		s.cache.forgetUser(user)
	}
	if err := dropRefScript.Run(ctx, s.rdb, []string{s.Key("user", user), s.Key("users")}, user).Err(); err != nil && !errors.Is(err, redis.Nil) {
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
