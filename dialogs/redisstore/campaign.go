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

// The campaign keyspace (see package bot/campaign for its meaning):
//
//	<p>campaign:<id>        hash: sealed spec, state, counts, times
//	<p>campaign:<id>:r      hash recipient → "status|ms|code|prev"
//	<p>campaign:<id>:a      hash recipient → sealed Entra object id
//	<p>campaign:<id>:ack    set of recipients who acknowledged
//	<p>campaign:<id>:s      stream of recipients to send to (group "w")
//	<p>campaign:<id>:d      sorted set of delayed retries
//	<p>campaign:<id>:pl     progress-card throttle; :fu follow-up guard
//	<p>campaign:<id>:i      hash recipient → proactive-installation outcome
//	<p>campaign:<id>:x      hash recipient → sealed id of the message sent
//	<p>uninstalled          set of user hashes who removed the app
//	<p>campaign:active      set; <p>campaign:index sorted set
//	<p>rate:tenant, <p>rate:c:<h>, <p>rate:hold:<h>  the shared limits;
//	<p>rate:proactive  set for 2 s by every proactive slot (ProactiveActive)
//
// Campaigns is the only place that reads or writes them; bot/campaign
// holds the logic.

// CampaignGroup is the consumer group of every campaign stream.
const CampaignGroup = "w"

// Campaigns is the campaign part of the store.
type Campaigns struct{ s *Store }

// Campaigns returns the campaign part of the store.
func (s *Store) Campaigns() *Campaigns { return &Campaigns{s: s} }

// Key is a campaign's key: campaign:<id>[:sub...].
func (c *Campaigns) Key(id string, sub ...string) string {
	return c.s.Key(append([]string{"campaign", id}, sub...)...)
}

func (c *Campaigns) rdb() redis.UniversalClient { return c.s.rdb }

// Exec runs ops in one MULTI/EXEC transaction.
func (s *Store) Exec(ctx context.Context, ops []Op) error {
	pipe := s.rdb.TxPipeline()
	for _, op := range ops {
		pipe.Do(ctx, append([]any{op.Cmd, op.Key}, op.Args...)...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// Exists reports whether a campaign's hash exists.
func (c *Campaigns) Exists(ctx context.Context, id string) (bool, error) {
	n, err := c.rdb().Exists(ctx, c.Key(id)).Result()
	return n > 0, err
}

// Sealed returns a campaign's sealed spec (nil when there is none).
func (c *Campaigns) Sealed(ctx context.Context, id string) ([]byte, error) {
	b, err := c.rdb().HGet(ctx, c.Key(id), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// Field reads one field of a campaign's hash ("" when absent).
func (c *Campaigns) Field(ctx context.Context, id, field string) (string, error) {
	v, err := c.rdb().HGet(ctx, c.Key(id), field).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// SetField writes one field of a campaign's hash.
func (c *Campaigns) SetField(ctx context.Context, id, field string, v any) error {
	return c.rdb().HSet(ctx, c.Key(id), field, v).Err()
}

// HasField reports whether a campaign's hash has a field.
func (c *Campaigns) HasField(ctx context.Context, id, field string) (bool, error) {
	return c.rdb().HExists(ctx, c.Key(id), field).Result()
}

// Counts reads a campaign's hash and the size of its acknowledgement set.
func (c *Campaigns) Counts(ctx context.Context, id string) (map[string]string, int64, error) {
	pipe := c.rdb().Pipeline()
	h := pipe.HGetAll(ctx, c.Key(id))
	acks := pipe.SCard(ctx, c.Key(id, "ack"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, err
	}
	return h.Val(), acks.Val(), nil
}

// Latest lists the ids of the most recent campaigns, newest first.
func (c *Campaigns) Latest(ctx context.Context, limit int) ([]string, error) {
	return c.rdb().ZRevRange(ctx, c.s.Key("campaign", "index"), 0, int64(limit-1)).Result()
}

// Active lists the campaigns being sent.
func (c *Campaigns) Active(ctx context.Context) ([]string, error) {
	return c.rdb().SMembers(ctx, c.s.Key("campaign", "active")).Result()
}

// CreateRun stores one run of a repeating campaign (unless it exists).
func (c *Campaigns) CreateRun(ctx context.Context, id string, sealed []byte, now, at time.Time) error {
	pipe := c.rdb().TxPipeline()
	pipe.HSetNX(ctx, c.Key(id), "d", sealed)
	pipe.HSet(ctx, c.Key(id), "st", "scheduled", "created", now.UnixMilli(), "at", at.UnixMilli())
	pipe.ZAdd(ctx, c.s.Key("campaign", "index"), redis.Z{Score: float64(now.UnixMilli()), Member: id})
	_, err := pipe.Exec(ctx)
	return err
}

// BeginSending creates the campaign's stream and consumer group and marks
// it sending and active.
func (c *Campaigns) BeginSending(ctx context.Context, id string, now time.Time) error {
	if err := c.rdb().XGroupCreateMkStream(ctx, c.Key(id, "s"), CampaignGroup, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create group: %w", err)
	}
	pipe := c.rdb().TxPipeline()
	pipe.HSet(ctx, c.Key(id), "st", "sending")
	pipe.HSetNX(ctx, c.Key(id), "started", now.UnixMilli())
	pipe.SAdd(ctx, c.s.Key("campaign", "active"), id)
	_, err := pipe.Exec(ctx)
	return err
}

// Complete marks a campaign done when it is expanded and nothing is queued
// or retrying, and schedules its purge; true when this call completed it.
func (c *Campaigns) Complete(ctx context.Context, id string, now, purgeAt time.Time, purgeID, purgeKind string) (bool, error) {
	keys := []string{c.Key(id), c.s.Key("campaign", "active"), c.Key(id, "s"), c.s.Key("sched"), c.s.Key("sched", "i", purgeID)}
	n, err := campaignCompleteScript.Run(ctx, c.rdb(), keys, id, now.UnixMilli(), purgeAt.UnixMilli(), purgeID, purgeKind).Int()
	return n == 1, err
}

// CampaignRecipient is one member to enqueue with its status and, for the
// export, the sealed Entra object id when known.
type CampaignRecipient struct {
	Member string
	Status string
	Aad    []byte
}

// Enqueue adds recipients to a campaign (a member already present is left
// alone) and stores their sealed Entra ids.
func (c *Campaigns) Enqueue(ctx context.Context, id string, now time.Time, batch []CampaignRecipient) error {
	args := []any{now.UnixMilli()}
	aads := []any{}
	for _, r := range batch {
		args = append(args, r.Member, r.Status)
		if len(r.Aad) > 0 {
			aads = append(aads, r.Member, r.Aad)
		}
	}
	if len(aads) > 0 {
		if err := c.rdb().HSet(ctx, c.Key(id, "a"), aads...).Err(); err != nil {
			return fmt.Errorf("store ids: %w", err)
		}
	}
	keys := []string{c.Key(id, "r"), c.Key(id, "s"), c.Key(id)}
	return campaignEnqueueScript.Run(ctx, c.rdb(), keys, args...).Err()
}

// CampaignUser is what an audience walk sees of a user with a reference.
type CampaignUser struct {
	Key     string
	Profile []byte // profile JSON (nil when none)
	Aad     []byte // sealed Entra object id (nil when unknown)
}

// ScanUsers calls fn with pages of the users who have a conversation
// reference.
func (c *Campaigns) ScanUsers(ctx context.Context, fn func([]CampaignUser) error) error {
	var page []string
	walk := func() error {
		pipe := c.rdb().Pipeline()
		cmds := make([]*redis.SliceCmd, len(page))
		for i, u := range page {
			cmds[i] = pipe.HMGet(ctx, c.s.Key("user", u), "p", "aad", "ref")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read users: %w", err)
		}
		out := make([]CampaignUser, 0, len(page))
		for i, u := range page {
			v := cmds[i].Val()
			if v[2] == nil {
				continue // the reference went away since
			}
			out = append(out, CampaignUser{Key: u, Profile: bytesOf(v[0]), Aad: bytesOf(v[1])})
		}
		page = page[:0]
		return fn(out)
	}
	iter := c.rdb().SScan(ctx, c.s.Key("users"), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		page = append(page, iter.Val())
		if len(page) >= 500 {
			if err := walk(); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan users: %w", err)
	}
	return walk()
}

// Installed reports for each user hash whether it has a reference.
func (c *Campaigns) Installed(ctx context.Context, users []string) ([]bool, error) {
	pipe := c.rdb().Pipeline()
	cmds := make([]*redis.BoolCmd, len(users))
	for i, u := range users {
		cmds[i] = pipe.SIsMember(ctx, c.s.Key("users"), u)
	}
	if _, err := pipe.Exec(ctx); err != nil && len(users) > 0 {
		return nil, err
	}
	out := make([]bool, len(users))
	for i := range cmds {
		out[i] = cmds[i].Val()
	}
	return out, nil
}

// ScanTeams calls fn for every team hash with a channel reference.
func (c *Campaigns) ScanTeams(ctx context.Context, fn func(team string) error) error {
	iter := c.rdb().SScan(ctx, c.s.Key("teams"), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		if err := fn(iter.Val()); err != nil {
			return err
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan teams: %w", err)
	}
	return nil
}

// TeamRef returns a team's sealed channel reference (nil when none).
func (c *Campaigns) TeamRef(ctx context.Context, team string) ([]byte, error) {
	b, err := c.rdb().HGet(ctx, c.s.Key("team", team), "ref").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// DropTeam forgets a team channel as an audience (unreachable).
func (c *Campaigns) DropTeam(ctx context.Context, team string) error {
	return c.rdb().SRem(ctx, c.s.Key("teams"), team).Err()
}

// UserRef returns a user's sealed reference and profile JSON ("" when none).
func (c *Campaigns) UserRef(ctx context.Context, user string) (ref, profile string, err error) {
	v, err := c.rdb().HMGet(ctx, c.s.Key("user", user), "ref", "p").Result()
	if err != nil {
		return "", "", err
	}
	return str(v[0]), str(v[1]), nil
}

// Cancel marks a campaign cancelled, inactive, and schedules its purge.
func (c *Campaigns) Cancel(ctx context.Context, id string, now time.Time, purge []Op) error {
	ops := append([]Op{
		{Cmd: "HSET", Key: c.Key(id), Args: []any{"st", "cancelled", "fin", now.UnixMilli()}},
		{Cmd: "SREM", Key: c.s.Key("campaign", "active"), Args: []any{id}},
	}, purge...)
	return c.s.Exec(ctx, ops)
}

// Purge deletes a done or cancelled campaign's keys; -1 when it is neither.
func (c *Campaigns) Purge(ctx context.Context, id string) (int, error) {
	keys := []string{c.Key(id)}
	for _, sub := range []string{"r", "a", "ack", "s", "d", "pl", "fu", "i", "x"} {
		keys = append(keys, c.Key(id, sub))
	}
	keys = append(keys, c.s.Key("campaign", "index"), c.s.Key("campaign", "active"))
	return campaignPurgeScript.Run(ctx, c.rdb(), keys, id).Int()
}

// CampaignEntry is one stream entry: a recipient and its attempt number.
type CampaignEntry struct {
	ID      string
	Member  string
	Attempt int
}

func entries(msgs []redis.XMessage) []CampaignEntry {
	out := make([]CampaignEntry, 0, len(msgs))
	for _, m := range msgs {
		member, _ := m.Values["m"].(string)
		n, _ := strconv.Atoi(fmt.Sprint(m.Values["n"]))
		out = append(out, CampaignEntry{ID: m.ID, Member: member, Attempt: n})
	}
	return out
}

// MoveDue moves due delayed retries back into the stream.
func (c *Campaigns) MoveDue(ctx context.Context, id string, now time.Time, limit int) error {
	return campaignMoveDueScript.Run(ctx, c.rdb(), []string{c.Key(id, "d"), c.Key(id, "s")}, now.UnixMilli(), limit).Err()
}

// AutoClaim takes over entries idle longer than minIdle.
func (c *Campaigns) AutoClaim(ctx context.Context, id, consumer string, minIdle time.Duration, count int64) ([]CampaignEntry, error) {
	msgs, _, err := c.rdb().XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: c.Key(id, "s"), Group: CampaignGroup, Consumer: consumer,
		MinIdle: minIdle, Start: "0-0", Count: count,
	}).Result()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return entries(msgs), err
}

// ErrNoGroup means a campaign's stream has no consumer group yet (not
// started by its replica).
var ErrNoGroup = errors.New("campaign stream not started")

// ReadNew reads up to count new entries for consumer, without blocking.
func (c *Campaigns) ReadNew(ctx context.Context, id, consumer string, count int64) ([]CampaignEntry, error) {
	res, err := c.rdb().XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: CampaignGroup, Consumer: consumer, Streams: []string{c.Key(id, "s"), ">"},
		Count: count, Block: -1,
	}).Result()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	if err != nil && strings.Contains(err.Error(), "NOGROUP") {
		err = ErrNoGroup
	}
	var out []CampaignEntry
	for _, st := range res {
		out = append(out, entries(st.Messages)...)
	}
	return out, err
}

// Ack acknowledges a stream entry.
func (c *Campaigns) Ack(ctx context.Context, id, entry string) error {
	return c.rdb().XAck(ctx, c.Key(id, "s"), CampaignGroup, entry).Err()
}

// CampaignWindow is one of a conversation's sending windows.
type CampaignWindow struct {
	Window time.Duration
	Limit  int
}

// Acquire runs the acquire script (see campaignAcquireScript): code 0 go
// (n µs until the slot), 1 skip, 2 busy (n ms), 3 conversation waits n
// ms, 4 tenant waits n ms.
func (c *Campaigns) Acquire(ctx context.Context, id, member string, now time.Time, lease time.Duration, intervalUs float64, maxAheadUs int64, unique string, windows []CampaignWindow) (code, n int64, err error) {
	keys := []string{c.Key(id, "r"), c.s.Key("rate", "tenant"), c.s.Key("rate", "c", member), c.s.Key("rate", "hold", member), c.s.OutboxKey(), c.s.proactiveKey()}
	args := []any{member, now.UnixMicro(), lease.Milliseconds(), strconv.FormatFloat(intervalUs, 'f', 3, 64), maxAheadUs, unique}
	for _, w := range windows {
		args = append(args, w.Window.Milliseconds(), w.Limit)
	}
	res, err := campaignAcquireScript.Run(ctx, c.rdb(), keys, args...).Int64Slice()
	if err != nil || len(res) != 2 {
		return 0, 0, fmt.Errorf("acquire: %w", err)
	}
	return res[0], res[1], nil
}

// Hold pauses a conversation until the given time (a 429's Retry-After).
func (c *Campaigns) Hold(ctx context.Context, member string, until time.Time, ttl time.Duration) error {
	return c.rdb().Set(ctx, c.s.Key("rate", "hold", member), until.UnixMilli(), ttl).Err()
}

// Requeue puts an entry in the delay set for later and acks it.
func (c *Campaigns) Requeue(ctx context.Context, id, entry, payload string, at time.Time) error {
	pipe := c.rdb().TxPipeline()
	pipe.ZAdd(ctx, c.Key(id, "d"), redis.Z{Score: float64(at.UnixMilli()), Member: payload})
	pipe.XAck(ctx, c.Key(id, "s"), CampaignGroup, entry)
	_, err := pipe.Exec(ctx)
	return err
}

// CampaignOutcome is what Finish records for one recipient.
type CampaignOutcome struct {
	Member, Status, Code, Entry string
	Now                         time.Time
	NotBefore                   string // ms, "" for none
	Payload                     string // the delayed entry
	PurgeAt                     time.Time
	PurgeID, PurgeKind          string
}

// Finish runs the outcome script (see campaignFinishScript); 1 when this
// outcome completed the campaign.
func (c *Campaigns) Finish(ctx context.Context, id string, o CampaignOutcome) (int, error) {
	keys := []string{c.Key(id, "r"), c.Key(id), c.Key(id, "s"), c.Key(id, "d"), c.s.Key("campaign", "active"),
		c.s.Key("sched"), c.s.Key("sched", "i", o.PurgeID)}
	args := []any{o.Member, o.Status, o.Now.UnixMilli(), o.Code, o.Entry, CampaignGroup, o.NotBefore, o.Payload, id,
		o.PurgeAt.UnixMilli(), o.PurgeID, o.PurgeKind}
	return campaignFinishScript.Run(ctx, c.rdb(), keys, args...).Int()
}

// Recipients reads a campaign's statuses, sealed Entra ids and
// acknowledgements.
func (c *Campaigns) Recipients(ctx context.Context, id string) (statuses, aads map[string]string, acked map[string]bool, err error) {
	pipe := c.rdb().Pipeline()
	r := pipe.HGetAll(ctx, c.Key(id, "r"))
	a := pipe.HGetAll(ctx, c.Key(id, "a"))
	ack := pipe.SMembers(ctx, c.Key(id, "ack"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, nil, err
	}
	acked = map[string]bool{}
	for _, m := range ack.Val() {
		acked[m] = true
	}
	return r.Val(), a.Val(), acked, nil
}

// IsRecipient reports whether member is one of a campaign's recipients.
func (c *Campaigns) IsRecipient(ctx context.Context, id, member string) (bool, error) {
	return c.rdb().HExists(ctx, c.Key(id, "r"), member).Result()
}

// Guard sets a short-lived marker campaign:<id>:<sub> unless it is set;
// false when it already was.
func (c *Campaigns) Guard(ctx context.Context, id, sub, value string, ttl time.Duration) (bool, error) {
	return c.rdb().SetNX(ctx, c.Key(id, sub), value, ttl).Result()
}

// CopyAads stores sealed Entra ids (member, sealed pairs) for a campaign.
func (c *Campaigns) CopyAads(ctx context.Context, id string, pairs []any) error {
	if len(pairs) == 0 {
		return nil
	}
	return c.rdb().HSet(ctx, c.Key(id, "a"), pairs...).Err()
}

// Throttle allows one progress update per every: true when the caller may
// update now (two replicas racing may both update).
func (c *Campaigns) Throttle(ctx context.Context, id string, now time.Time, every time.Duration) (bool, error) {
	next, err := c.rdb().Get(ctx, c.Key(id, "pl")).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("throttle: %w", err)
	}
	if next > now.UnixMilli() {
		return false, nil
	}
	if err := c.rdb().Set(ctx, c.Key(id, "pl"), now.Add(every).UnixMilli(), 2*every).Err(); err != nil {
		return false, err
	}
	return true, nil
}

// UninstalledKey is the set of user hashes who removed the app from their
// personal scope; campaigns never install it for them again (written by
// the bot's turn, read by campaigns).
func (s *Store) UninstalledKey() string { return s.Key("uninstalled") }

// Uninstalled reports whether a user removed the app.
func (c *Campaigns) Uninstalled(ctx context.Context, user string) (bool, error) {
	return c.rdb().SIsMember(ctx, c.s.UninstalledKey(), user).Result()
}

// SealedAad returns a recipient's sealed Entra id stored with the
// campaign (nil when none).
func (c *Campaigns) SealedAad(ctx context.Context, id, member string) ([]byte, error) {
	b, err := c.rdb().HGet(ctx, c.Key(id, "a"), member).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// Install reads a recipient's proactive-installation outcome in
// campaign:<id>:i ("" when none).
func (c *Campaigns) Install(ctx context.Context, id, member string) (string, error) {
	v, err := c.rdb().HGet(ctx, c.Key(id, "i"), member).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

// RecordInstall stores a recipient's installation outcome once and counts
// it in the campaign's hash (field "i_"+kind).
func (c *Campaigns) RecordInstall(ctx context.Context, id, member, kind, detail string) error {
	v := kind
	if detail != "" {
		v += "|" + detail
	}
	return campaignInstallScript.Run(ctx, c.rdb(), []string{c.Key(id, "i"), c.Key(id)}, member, v, "i_"+kind).Err()
}

// Installs reads every recipient's installation outcome.
func (c *Campaigns) Installs(ctx context.Context, id string) (map[string]string, error) {
	return c.rdb().HGetAll(ctx, c.Key(id, "i")).Result()
}

// StoreActivity keeps the sealed id of the message a recipient was sent
// (campaign:<id>:x), for recalling or correcting it.
func (c *Campaigns) StoreActivity(ctx context.Context, id, member string, sealed []byte) error {
	return c.rdb().HSet(ctx, c.Key(id, "x"), member, sealed).Err()
}

// Activities reads the sealed message ids of a campaign's recipients.
func (c *Campaigns) Activities(ctx context.Context, id string) (map[string]string, error) {
	return c.rdb().HGetAll(ctx, c.Key(id, "x")).Result()
}

// Activity reads one recipient's sealed message id (nil when none).
func (c *Campaigns) Activity(ctx context.Context, id, member string) ([]byte, error) {
	b, err := c.rdb().HGet(ctx, c.Key(id, "x"), member).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}
