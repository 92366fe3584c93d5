// Package campaign sends AMK's follow-up campaigns (issue 6): proactive
// messages to thousands of users within Teams' limits, shared by every
// bot replica through Redis.
//
// Keyspaces (under the store prefix; <h> are keyed hashes, never raw ids):
//
//	campaign:<id>       hash: d sealed spec, st scheduled|sending|done,
//	                    x 1 once expanded, counts (total, queued, retrying,
//	                    sent, failed, unreachable, muted, notinstalled),
//	                    pa sealed id of the author's progress card, times
//	campaign:<id>:r     hash recipient → "status|ms|code|prev"
//	campaign:<id>:a     hash recipient → sealed Entra object id (CSV export)
//	campaign:<id>:ack   set of recipients who pressed "I have done it"
//	campaign:<id>:s     stream of recipients to send to, consumer group "w"
//	campaign:<id>:d     sorted set of delayed retries (score: not before)
//	campaign:<id>:pl    progress-card throttle (short-lived)
//	campaign:<id>:fu    follow-up double-click guard (short-lived)
//	campaign:active     set of campaigns being sent
//	campaign:index      sorted set of campaigns by creation time
//	rate:tenant         the tenant limit as a GCRA arrival time (µs)
//	rate:c:<h>          one conversation's sends in the last hour (zset)
//	rate:hold:<h>       a conversation paused by a 429 Retry-After
//	team:<h>, teams     sealed channel references (written by the bot)
//
// A recipient is a user hash (1:1 chat) or "t:"+team hash (a channel).
//
// Sending: the scheduler item "campaign-start" expands the audience into
// the campaign's stream. Workers in every replica read it with
// XREADGROUP, take a slot from the tenant limit and the conversation's
// windows (one Lua script, shared by replicas), mark the recipient
// in flight (so a re-delivered entry is not sent twice), send, record the
// outcome and XACK in one script. Entries a dead replica held are taken
// over with XAUTOCLAIM. A 429 pauses only that conversation and re-queues
// it after Retry-After; 412/502/503/504 are retried with backoff; 403/404
// mark the recipient unreachable and drop the stale reference.
//
// Retention: when a campaign is done (or cancelled) the same step schedules
// the item "campaign-purge" at that time + Config.Retention; it deletes
// every campaign:<id>* key above and the id from campaign:index/active.
package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// KindStart is the scheduler item kind that starts a campaign.
const KindStart = "campaign-start"

// KindPurge is the scheduler item kind that deletes a finished campaign
// once its retention has passed.
const KindPurge = "campaign-purge"

// Status is a recipient's state in a campaign.
type Status string

// The recipient statuses.
const (
	Queued       Status = "queued"
	Retrying     Status = "retrying"
	Sent         Status = "sent"
	Failed       Status = "failed"
	Unreachable  Status = "unreachable"
	Muted        Status = "muted"
	NotInstalled Status = "notinstalled"
	inflight     Status = "inflight"
)

// States of a campaign.
const (
	StateScheduled = "scheduled"
	StateSending   = "sending"
	StateDone      = "done"
	// StateCancelled stops a campaign: what is not yet sent stays queued
	// and a repeating campaign does not run again.
	StateCancelled = "cancelled"
)

const group = redisstore.CampaignGroup

// ErrNotFound is returned for an unknown campaign.
var ErrNotFound = errors.New("campaign not found")

// ErrInvalid wraps a spec that does not pass dialogs.CampaignSpec.Check.
var ErrInvalid = errors.New("invalid campaign")

// Teams' limits per conversation for sending (platform.md §3).
var convWindows = []redisstore.CampaignWindow{{Window: time.Second, Limit: 7}, {Window: 2 * time.Second, Limit: 8}, {Window: 30 * time.Second, Limit: 60}, {Window: time.Hour, Limit: 1800}}

// Config configures a Service.
type Config struct {
	Store    *redisstore.Store
	Keys     *seal.Keyring
	Hasher   *seal.Hasher
	Renderer *cards.Renderer
	// Conn sends the campaign messages. Give it MaxRetries -1: the
	// service retries through its queue, so a throttled conversation does
	// not hold a worker.
	Conn *connector.Client
	// Directory reads Entra ID groups for group audiences (nil: groups
	// are refused).
	Directory Directory
	// Installer installs the app for list and group recipients without a
	// reference (nil: they are reported notinstalled). See install.go.
	Installer Installer
	// InstallRate bounds installations per second per replica (default 5).
	InstallRate float64
	// ServiceURL is the Bot Connector endpoint for chats found through
	// Graph after a 409 (GRAENSEN_SERVICE_URL; "" turns the look-up off);
	// BotID ("28:"+app id) and TenantID go into those messages.
	ServiceURL, BotID, TenantID string
	// InstallWait is the first wait for the reference after installing
	// (default 2 s; doubled each time, at most 30 s).
	InstallWait time.Duration
	Log         *slog.Logger
	// Rate is the tenant limit in requests per second (default 50).
	Rate float64
	// Workers per replica (default: sized from Rate × Latency, so the
	// sends in flight can fill the rate: ⌈Rate · Latency⌉ + 8, at least 16).
	Workers int
	// Latency is the connector's expected time per call for sizing the
	// workers (default 500 ms; Teams answers in 100–400 ms).
	Latency time.Duration
	// Consumer names this replica in the consumer groups (default random).
	Consumer string
	// ClaimIdle is how long an entry may stay unacknowledged with another
	// consumer before it is taken over (default 30 s).
	ClaimIdle time.Duration
	// Lease is how long a recipient stays "in flight" for one worker
	// (default 60 s).
	Lease time.Duration
	// MaxAttempts bounds retries of one recipient (default 8).
	MaxAttempts int
	// Poll is the idle polling interval (default 200 ms).
	Poll time.Duration
	// ProgressEvery throttles updates of the author's progress card
	// (default 5 s).
	ProgressEvery time.Duration
	// Retention is how long a finished (done or cancelled) campaign's
	// keys are kept: definition, counts, statuses, sealed Entra ids,
	// acknowledgements (default 2160h = 90 days).
	Retention time.Duration
	Now       func() time.Time
	// Admins are the Entra object ids of the campaign admins: those other
	// than the author get the approval request of a large campaign.
	Admins []string
	// Scopes limits admins (by Entra object id) to audiences; an admin
	// without an entry is unrestricted (GRAENSEN_ADMIN_SCOPES).
	Scopes map[string]Scope
	// ApprovalOver: a campaign to more recipients needs a second admin's
	// approval before it is scheduled (default 1000; negative: off).
	ApprovalOver int
	// CountUse, when set, counts each message delivered (statistics:
	// metric campaign.sent), after the send, outside any transaction.
	CountUse func(now time.Time, c dialogs.CountUse)
}

// Service creates, sends and tracks campaigns.
type Service struct {
	cfg  Config
	db   *redisstore.Campaigns
	st   *redisstore.Store
	log  *slog.Logger
	defs sync.Map // id → *def
	// sent and taken count this replica's sends and entries it took over
	// from another consumer (for metrics and tests).
	sent, taken atomic.Int64
	installs    *installLimiter
	scopes      map[string]Scope // by the admin's keyed hash
}

// Counts returns how many messages this replica sent and how many stream
// entries it took over from other (dead) consumers.
func (s *Service) Counts() (sent, takenOver int64) { return s.sent.Load(), s.taken.Load() }

// New returns a Service with defaults applied.
func New(cfg Config) *Service {
	if cfg.Rate <= 0 {
		cfg.Rate = 50
	}
	if cfg.Latency <= 0 {
		cfg.Latency = 500 * time.Millisecond
	}
	if cfg.Workers <= 0 {
		cfg.Workers = max(16, int(math.Ceil(cfg.Rate*cfg.Latency.Seconds()))+8)
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "r-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	if cfg.ClaimIdle <= 0 {
		cfg.ClaimIdle = 30 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 5 * time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 2160 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.InstallRate <= 0 {
		cfg.InstallRate = 5
	}
	if cfg.InstallWait <= 0 {
		cfg.InstallWait = 2 * time.Second
	}
	s := &Service{cfg: cfg, db: cfg.Store.Campaigns(), st: cfg.Store, log: cfg.Log,
		installs: &installLimiter{every: time.Duration(float64(time.Second) / cfg.InstallRate)}, scopes: map[string]Scope{}}
	for aad, sc := range cfg.Scopes {
		s.scopes[s.UserKey(aad)] = sc
	}
	return s
}

func (s *Service) key(id string, sub ...string) string {
	return s.db.Key(id, sub...)
}

// CreateOps are the writes that store and schedule a campaign, for a turn
// commit or a transaction. The spec is sealed: an explicit audience holds
// Entra object ids.
func (s *Service) CreateOps(spec dialogs.CampaignSpec, now time.Time) ([]redisstore.Op, error) {
	if !dialogs.ValidCampaignID(spec.ID) {
		return nil, fmt.Errorf("%w: bad id", ErrInvalid)
	}
	if p := spec.Check(now); p != "" {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, p)
	}
	plain, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	at := spec.At
	if at.IsZero() || at.Before(now) {
		at = now
	}
	ops := []redisstore.Op{
		{Cmd: "HSET", Key: s.key(spec.ID), Args: []any{"d", s.cfg.Keys.Seal(plain, []byte("campaign:"+spec.ID)), "st", StateScheduled, "created", now.UnixMilli(), "at", at.UnixMilli()}},
		{Cmd: "ZADD", Key: s.st.Key("campaign", "index"), Args: []any{now.UnixMilli(), spec.ID}},
	}
	ops = append(ops, s.st.ScheduleOps(schedID(spec.ID, at), at, KindStart, []byte(spec.ID))...)
	return ops, nil
}

func schedID(id string, at time.Time) string {
	return "campaign:" + id + ":" + strconv.FormatInt(at.UnixMilli(), 10)
}

// Create stores and schedules a campaign outside a turn (the admin API).
func (s *Service) Create(ctx context.Context, spec dialogs.CampaignSpec) error {
	ops, err := s.CreateOps(spec, s.cfg.Now())
	if err != nil {
		return err
	}
	if ok, err := s.db.Exists(ctx, spec.ID); err != nil {
		return fmt.Errorf("campaign: %w", err)
	} else if ok {
		return fmt.Errorf("%w: id in use", ErrInvalid)
	}
	return s.exec(ctx, ops)
}

func (s *Service) exec(ctx context.Context, ops []redisstore.Op) error {
	if err := s.st.Exec(ctx, ops); err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	return nil
}

// Spec loads and opens a campaign's spec.
func (s *Service) Spec(ctx context.Context, id string) (dialogs.CampaignSpec, error) {
	var spec dialogs.CampaignSpec
	sealed, err := s.db.Sealed(ctx, id)
	if err != nil {
		return spec, fmt.Errorf("campaign: load: %w", err)
	}
	if sealed == nil {
		return spec, ErrNotFound
	}
	plain, err := s.cfg.Keys.Open(sealed, []byte("campaign:"+id))
	if err != nil {
		return spec, fmt.Errorf("campaign: open: %w", err)
	}
	return spec, json.Unmarshal(plain, &spec)
}

// Progress is a campaign's state and counts.
type Progress struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	State        string    `json:"state"`
	At           time.Time `json:"at,omitzero"`
	Finished     time.Time `json:"finished,omitzero"`
	Total        int64     `json:"total"`
	Queued       int64     `json:"queued"`
	Retrying     int64     `json:"retrying"`
	Sent         int64     `json:"sent"`
	Failed       int64     `json:"failed"`
	Unreachable  int64     `json:"unreachable"`
	Muted        int64     `json:"muted"`
	NotInstalled int64     `json:"notInstalled"`
	Acknowledged int64     `json:"acknowledged"`
	// Proactive installation (issue 15): installed now, already
	// installed, refused by Graph, declined (the user had removed the app).
	InstalledNow     int64  `json:"installedNow"`
	AlreadyInstalled int64  `json:"alreadyInstalled"`
	InstallRefused   int64  `json:"installRefused"`
	InstallDeclined  int64  `json:"installDeclined"`
	Ack              bool   `json:"ackButton"`
	FollowUpOf       string `json:"followUpOf,omitempty"`
	// Guardrails: who wrote and who approved it; a campaign waiting for
	// approval (state "approval") shows its estimated recipients.
	Author     string `json:"author,omitempty"`
	Approver   string `json:"approver,omitempty"`
	Recipients int64  `json:"recipients,omitempty"`
	// Op and Of: a recall or correction run of campaign Of.
	Op string `json:"op,omitempty"`
	Of string `json:"of,omitempty"`
}

// Progress reads a campaign's counts.
func (s *Service) Progress(ctx context.Context, id string) (Progress, error) {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	m, acks, err := s.db.Counts(ctx, id)
	if err != nil {
		return Progress{}, fmt.Errorf("campaign: progress: %w", err)
	}
	n := func(k string) int64 { v, _ := strconv.ParseInt(m[k], 10, 64); return v }
	p := Progress{
		ID: id, Title: spec.TitleDA, State: m["st"], Total: n("total"), Queued: n("queued"), Retrying: n("retrying"),
		Sent: n("sent"), Failed: n("failed"), Unreachable: n("unreachable"), Muted: n("muted"),
		NotInstalled: n("notinstalled"), Acknowledged: acks, Ack: spec.Ack, FollowUpOf: spec.FollowUpOf,
		InstalledNow: n("i_" + InstallNow), AlreadyInstalled: n("i_" + InstallAlready), InstallRefused: n("i_" + InstallRefused),
		InstallDeclined: n("i_" + InstallDeclined),
		Author:          spec.AuthorName, Approver: spec.ApproverName, Recipients: n("n"), Op: spec.Op, Of: spec.Of,
	}
	if v := n("at"); v > 0 {
		p.At = time.UnixMilli(v).UTC()
	}
	if v := n("fin"); v > 0 {
		p.Finished = time.UnixMilli(v).UTC()
	}
	return p, nil
}

// List returns the most recent campaigns, newest first.
func (s *Service) List(ctx context.Context, limit int) ([]Progress, error) {
	ids, err := s.db.Latest(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("campaign: list: %w", err)
	}
	out := make([]Progress, 0, len(ids))
	for _, id := range ids {
		if p, err := s.Progress(ctx, id); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// HandleStart is the scheduler handler of KindStart: a repeating campaign
// creates this occurrence's run and schedules the next; a run expands its
// audience into its stream. Running it twice is harmless.
func (s *Service) HandleStart(ctx context.Context, d redisstore.Due) error {
	id := string(d.Payload)
	spec, err := s.Spec(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("campaign %s: %w", id, errors.Join(err, errPermanent))
	}
	if err != nil {
		return err
	}
	if st, err := s.db.Field(ctx, id, "st"); err != nil {
		return fmt.Errorf("campaign: state: %w", err)
	} else if st == StateCancelled {
		return nil // cancelled: the item is dropped, no further runs
	}
	if spec.Repeat == "" {
		return s.Start(ctx, id)
	}
	at := d.At
	run := spec
	run.ID = id + "." + at.In(dialogs.Copenhagen).Format("20060102")
	run.Repeat, run.At = "", time.Time{}
	if ok, err := s.db.Exists(ctx, run.ID); err != nil {
		return fmt.Errorf("campaign: run: %w", err)
	} else if !ok {
		plain, _ := json.Marshal(run)
		if err := s.db.CreateRun(ctx, run.ID, s.cfg.Keys.Seal(plain, []byte("campaign:"+run.ID)), s.cfg.Now(), at); err != nil {
			return fmt.Errorf("campaign: create run: %w", err)
		}
	}
	next := dialogs.NextOccurrence(at, spec.Repeat)
	if err := s.st.Schedule(ctx, schedID(id, next), next, KindStart, []byte(id)); err != nil {
		return err
	}
	return s.Start(ctx, run.ID)
}

// errPermanent makes the scheduler drop an item.
var errPermanent = schedule.ErrPermanent

// Start expands a campaign's audience into its stream and marks it
// sending. Expanding twice queues nobody twice.
func (s *Service) Start(ctx context.Context, id string) error {
	spec, err := s.Spec(ctx, id)
	if err != nil {
		return err
	}
	st, err := s.db.Field(ctx, id, "st")
	if err != nil {
		return fmt.Errorf("campaign: state: %w", err)
	}
	if st == StateDone || st == StateCancelled {
		return nil
	}
	if err := s.db.BeginSending(ctx, id, s.cfg.Now()); err != nil {
		return fmt.Errorf("campaign: start: %w", err)
	}
	if err := s.expand(ctx, id, spec); err != nil {
		return err
	}
	if err := s.db.SetField(ctx, id, "x", "1"); err != nil {
		return fmt.Errorf("campaign: start: %w", err)
	}
	// An audience with nobody to send to is done at once.
	if _, err := s.complete(ctx, id); err != nil {
		return err
	}
	s.startProgress(ctx, id, spec)
	return nil
}

func (s *Service) complete(ctx context.Context, id string) (bool, error) {
	now := s.cfg.Now()
	done, err := s.db.Complete(ctx, id, now, now.Add(s.cfg.Retention), purgeID(id), KindPurge)
	if err != nil {
		return false, fmt.Errorf("campaign: complete: %w", err)
	}
	if done {
		s.progress(ctx, id, true)
	}
	return done, nil
}

// recipient is one member to enqueue with its status and, for the CSV
// export, the sealed Entra object id when known.
type recipient = redisstore.CampaignRecipient

// expand walks the audience and enqueues it in batches.
func (s *Service) expand(ctx context.Context, id string, spec dialogs.CampaignSpec) error {
	var batch []recipient
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.db.Enqueue(ctx, id, s.cfg.Now(), batch); err != nil {
			return fmt.Errorf("campaign: enqueue: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	add := func(r recipient) error {
		batch = append(batch, r)
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	}
	a := spec.Audience
	switch a.Kind {
	case dialogs.AudienceAll, dialogs.AudienceRole:
		unreadable := 0
		err := s.db.ScanUsers(ctx, func(page []redisstore.CampaignUser) error {
			for _, u := range page {
				if a.Kind == dialogs.AudienceRole && s.roleOf(u, &unreadable) != a.Role {
					continue
				}
				if err := add(recipient{Member: u.Key, Status: string(Queued), Aad: u.Aad}); err != nil {
					return err
				}
			}
			return nil
		})
		s.logUnreadable(unreadable)
		if err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
	case dialogs.AudienceList:
		if err := s.expandAads(ctx, a.AadIDs, add); err != nil {
			return err
		}
	case dialogs.AudienceKeys:
		installed, err := s.db.Installed(ctx, a.Keys)
		if err != nil {
			return fmt.Errorf("campaign: look up keys: %w", err)
		}
		for i, k := range a.Keys {
			st := Queued
			// Without a reference: not installed, unless the worker may
			// find the chat through Graph (an earlier run reached it there).
			if !installed[i] && !strings.HasPrefix(k, "t:") && s.cfg.Installer == nil {
				st = NotInstalled
			}
			if err := add(recipient{Member: k, Status: string(st)}); err != nil {
				return err
			}
		}
	case dialogs.AudienceChannels:
		if err := s.db.ScanTeams(ctx, func(team string) error {
			return add(recipient{Member: "t:" + team, Status: string(Queued)})
		}); err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
	default:
		if ok, err := s.expandExtra(ctx, id, a, add); ok || err != nil {
			if err != nil {
				return err
			}
			break
		}
		return fmt.Errorf("campaign %s: audience %q: %w", id, a.Kind, errPermanent)
	}
	return flush()
}

// expandAads enqueues Entra object ids: queued when the user has a
// reference, else not installed (reported, not silently dropped).
func (s *Service) expandAads(ctx context.Context, ids []string, add func(recipient) error) error {
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		keys := make([]string, len(chunk))
		for j, aad := range chunk {
			keys[j] = s.UserKey(aad)
		}
		installed, err := s.db.Installed(ctx, keys)
		if err != nil {
			return fmt.Errorf("campaign: look up list: %w", err)
		}
		for j, aad := range chunk {
			st := Queued
			if !installed[j] && s.cfg.Installer == nil {
				st = NotInstalled
			}
			if err := add(recipient{Member: keys[j], Status: string(st), Aad: s.cfg.Keys.Seal([]byte(aad), []byte("aad:"+keys[j]))}); err != nil {
				return err
			}
		}
	}
	return nil
}

// roleOf is the role in a user's stored profile; a profile that cannot be
// read has none, and is counted in unreadable.
func (s *Service) roleOf(u redisstore.CampaignUser, unreadable *int) dialogs.Role {
	p, _, err := profile.Open(s.cfg.Keys, u.Key, u.Profile)
	if err != nil {
		*unreadable++
	}
	return p.Role
}

// logUnreadable logs, once per scan, how many profiles could not be read
// (a role audience leaves them out).
func (s *Service) logUnreadable(n int) {
	if n > 0 {
		s.log.Warn("profiles unreadable in a role audience's scan, left out", "n", n)
	}
}

// UserKey is the keyed hash a user is known by, from the Entra object id
// (activity.AADKeyID, as turns derive it).
func (s *Service) UserKey(aad string) string {
	return activity.AADUserKey(s.cfg.Hasher, aad)
}

// Cancel stops a campaign (and, for a repeating one, its future runs). Its
// keys are purged after the retention.
func (s *Service) Cancel(ctx context.Context, id string) error {
	if _, err := s.Spec(ctx, id); err != nil {
		return err
	}
	now := s.cfg.Now()
	if err := s.db.Cancel(ctx, id, now, s.st.ScheduleOps(purgeID(id), now.Add(s.cfg.Retention), KindPurge, []byte(id))); err != nil {
		return fmt.Errorf("campaign: cancel: %w", err)
	}
	return nil
}

func purgeID(id string) string { return "campaign-purge:" + id }

// HandlePurge is the scheduler handler of KindPurge: it deletes every key
// of a finished campaign (definition, counts, statuses, sealed Entra ids,
// acknowledgements, stream, delay set, markers) and its index entries.
// A campaign not done or cancelled is left alone; running it twice is
// harmless.
func (s *Service) HandlePurge(ctx context.Context, d redisstore.Due) error {
	id := string(d.Payload)
	if id == "" || strings.ContainsAny(id, ":*?[]") {
		return fmt.Errorf("campaign purge %q: %w", id, errPermanent)
	}
	n, err := s.db.Purge(ctx, id)
	if err != nil {
		return fmt.Errorf("campaign: purge: %w", err)
	}
	if n >= 0 {
		s.defs.Delete(id)
		s.log.Info("campaign purged after retention", "keys", n)
	}
	return nil
}
