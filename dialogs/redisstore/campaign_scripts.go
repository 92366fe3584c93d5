package redisstore

import "github.com/redis/go-redis/v9"

// A recipient's entry in campaign:<id>:r is "status|unix ms|code|prev":
// status one of the Status constants or "inflight" (being sent; the ms is
// then the lease expiry and prev the counted status it came from). The
// counts in campaign:<id> follow every transition (HINCRBY), inside the
// same script, so they always add up.

// campaignEnqueueScript adds recipients: KEYS r, stream, campaign; ARGV now ms,
// then member, status pairs. A member already present is left alone, so
// expanding twice (a crashed replica's scheduler item run again) queues
// nobody twice.
var campaignEnqueueScript = redis.NewScript(`
local added = {}
local n = 0
for i = 2, #ARGV, 2 do
  local m, st = ARGV[i], ARGV[i + 1]
  if redis.call('HSETNX', KEYS[1], m, st .. '|' .. ARGV[1] .. '||') == 1 then
    if st == 'queued' then redis.call('XADD', KEYS[2], '*', 'm', m, 'n', '0') end
    added[st] = (added[st] or 0) + 1
    n = n + 1
  end
end
for st, c in pairs(added) do redis.call('HINCRBY', KEYS[3], st, c) end
if n > 0 then redis.call('HINCRBY', KEYS[3], 'total', n) end
return n
`)

// campaignAcquireScript decides whether a worker may send to a recipient now:
// KEYS r, tenant (GCRA theoretical arrival time, µs), conversation window
// zset, conversation hold (value: until, unix ms), outbox queue, the
// proactive mark (Store.ProactiveActive); ARGV member, now µs, lease ms, interval µs,
// max-ahead µs, unique window member, then window ms / limit pairs.
//
// Returns {code, n}: 0 go (n = µs until the reserved slot), 1 skip (already
// final), 2 busy (another worker holds it; n = ms left of its lease),
// 3 conversation must wait n ms, 4 tenant must wait n ms.
var campaignAcquireScript = redis.NewScript(`
local now_us = tonumber(ARGV[2])
local now_ms = math.floor(now_us / 1000)
local prev = 'queued'
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  local st, ts, code, p = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|?([^|]*)$')
  if st == 'sent' or st == 'failed' or st == 'unreachable' or st == 'muted' or st == 'notinstalled' then
    return {1, 0}
  end
  if st == 'inflight' then
    if tonumber(ts) > now_ms then return {2, tonumber(ts) - now_ms} end
    if p ~= '' then prev = p end
  else
    prev = st
  end
end
local hold = tonumber(redis.call('GET', KEYS[4]) or '0')
if hold > now_ms then return {3, hold - now_ms} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms - 3600000)
for i = 7, #ARGV, 2 do
  local w, lim = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local inwin = redis.call('ZRANGEBYSCORE', KEYS[3], now_ms - w, '+inf', 'WITHSCORES')
  if #inwin / 2 >= lim then
    local oldest = tonumber(inwin[2])
    return {3, math.max(1, oldest + w - now_ms + 1)}
  end
end
-- Messages in the outbox (welcomes, reminders, notifications) that are
-- due go first: a campaign waits while there are any.
if KEYS[5] then
  for p = 1, 2 do
    local lo = p * 1e13
    if redis.call('ZCOUNT', KEYS[5], string.format('%.0f', lo), string.format('%.0f', lo + now_ms)) > 0 then return {4, 20} end
  end
end
local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(tat, now_us)
local ahead = start - now_us
if ahead > tonumber(ARGV[5]) then
  return {4, math.max(1, math.ceil((ahead - tonumber(ARGV[5])) / 1000))}
end
redis.call('SET', KEYS[2], string.format('%.0f', start + tonumber(ARGV[4])), 'PX', 60000)
if KEYS[6] then redis.call('SET', KEYS[6], '1', 'PX', 2000) end
redis.call('ZADD', KEYS[3], math.floor(start / 1000), ARGV[6])
redis.call('PEXPIRE', KEYS[3], 3700000)
redis.call('HSET', KEYS[1], ARGV[1], 'inflight|' .. (now_ms + tonumber(ARGV[3])) .. '||' .. prev)
return {0, ahead}
`)

// campaignFinishScript records a recipient's outcome: KEYS r, campaign, stream,
// delay zset, active set, scheduler zset, purge item; ARGV member, status,
// now ms, code, stream entry id (” for none), group, not-before ms (” for
// none), delayed payload, campaign id, purge at ms, purge item id, purge
// kind. It acks the stream entry, re-queues a retry in the delay set, and
// marks the campaign done when nothing is left (deleting its stream and
// delay set, and scheduling its purge in the same step): returns 1 then.
var campaignFinishScript = redis.NewScript(`
local prev = 'queued'
local v = redis.call('HGET', KEYS[1], ARGV[1])
local final = false
if v then
  local st, ts, code, p = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|?([^|]*)$')
  if st == 'sent' or st == 'failed' or st == 'unreachable' or st == 'muted' or st == 'notinstalled' then
    final = true
  elseif st == 'inflight' then
    if p ~= '' then prev = p end
  else
    prev = st
  end
end
if not final then
  if ARGV[2] ~= prev then
    redis.call('HINCRBY', KEYS[2], prev, -1)
    redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|')
  if ARGV[7] ~= '' then redis.call('ZADD', KEYS[4], ARGV[7], ARGV[8]) end
end
if ARGV[5] ~= '' then redis.call('XACK', KEYS[3], ARGV[6], ARGV[5]) end
if redis.call('HGET', KEYS[2], 'st') ~= 'sending' or redis.call('HGET', KEYS[2], 'x') ~= '1' then return 0 end
local q = tonumber(redis.call('HGET', KEYS[2], 'queued') or '0')
local r = tonumber(redis.call('HGET', KEYS[2], 'retrying') or '0')
if q + r > 0 then return 0 end
redis.call('HSET', KEYS[2], 'st', 'done', 'fin', ARGV[3])
redis.call('SREM', KEYS[5], ARGV[9])
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('HSET', KEYS[7], 'k', ARGV[12], 'p', ARGV[9])
redis.call('ZADD', KEYS[6], ARGV[10], ARGV[11])
return 1
`)

// campaignCompleteScript marks a campaign done when it is expanded and nothing is
// queued or retrying, and schedules its purge: KEYS campaign, active,
// stream, scheduler zset, purge item; ARGV id, now ms, purge at ms, purge
// item id, purge kind. Returns 1 when this call completed it.
var campaignCompleteScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'st') ~= 'sending' or redis.call('HGET', KEYS[1], 'x') ~= '1' then return 0 end
local q = tonumber(redis.call('HGET', KEYS[1], 'queued') or '0')
local r = tonumber(redis.call('HGET', KEYS[1], 'retrying') or '0')
if q + r > 0 then return 0 end
redis.call('HSET', KEYS[1], 'st', 'done', 'fin', ARGV[2])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[5], 'k', ARGV[5], 'p', ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
return 1
`)

// campaignMoveDueScript moves delayed entries that are due back into the stream:
// KEYS delay, stream; ARGV now ms, limit.
var campaignMoveDueScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, p in ipairs(due) do
  local m, n = string.match(p, '^([^|]*)|([^|]*)')
  redis.call('XADD', KEYS[2], '*', 'm', m, 'n', n)
  redis.call('ZREM', KEYS[1], p)
end
return #due
`)

// campaignPurgeScript deletes a finished campaign: KEYS campaign, then its other
// keys (r, a, ack, s, d, pl, fu), index, active; ARGV id. Only a campaign
// that is done or cancelled is purged; returns how many keys went.
var campaignPurgeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'st')
if st ~= 'done' and st ~= 'cancelled' then return -1 end
local n = 0
for i = 1, #KEYS - 2 do n = n + redis.call('DEL', KEYS[i]) end
redis.call('ZREM', KEYS[#KEYS - 1], ARGV[1])
redis.call('SREM', KEYS[#KEYS], ARGV[1])
return n
`)

// campaignInstallScript records a recipient's installation outcome once
// and counts it: KEYS installs hash, campaign; ARGV member, value, field.
var campaignInstallScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
return 0
`)
