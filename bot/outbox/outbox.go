// Package outbox sends the messages the bot starts itself (issue 15,
// point 3): welcomes after an install, and, wired through the same
// interface, reminders and report notifications. They share the tenant
// budget with campaigns through one queue in Redis with priorities
// (dialogs/redisstore/outbox.go):
//
//  1. replies to what a user just wrote are not queued: they are sent in
//     the turn at once, and take their slot of the budget first (Take);
//  2. welcomes, reminders and notifications (PriorityNotice) are next;
//  3. campaigns last: their workers wait while a notice is due.
//
// Nothing is dropped for being throttled: a 429 puts the message back
// after Retry-After (or backoff) and it waits its turn. A welcome older
// than MaxAge (a day) is skipped rather than sent late. Proactive senders
// use the tenant rate minus a reserve for replies (Config.Rate is already
// that share), so a reply finds room at Teams.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
)

// Priorities in the outbox (lower first).
const (
	PriorityNotice = 1 // welcomes, reminders, report notifications
	PriorityBulk   = 2 // anything that may wait behind them
)

// Config configures a Service.
type Config struct {
	Store *redisstore.Store
	Keys  *seal.Keyring
	// Conn sends; give it MaxRetries -1 (the outbox retries through Redis).
	Conn *connector.Client
	// Rate is the proactive share of the tenant limit per second (default 45).
	Rate float64
	// Workers per replica (default: enough for Rate at 500 ms a call).
	Workers int
	// MaxAge: a welcome queued longer than this is skipped (default 24 h).
	MaxAge time.Duration
	// Lease bounds how long one replica holds an entry (default 60 s).
	Lease time.Duration
	// Poll is the first idle wait (default 50 ms); a worker that keeps
	// finding nothing waits longer, up to MaxPoll (default 1 s), and is
	// back at Poll after its next message.
	Poll    time.Duration
	MaxPoll time.Duration
	Log     *slog.Logger
	Now     func() time.Time
}

// Service is the outbox.
type Service struct {
	cfg                    Config
	interval               time.Duration
	sent, skipped, retried atomic.Int64
	// takes counts replies' slots not yet written; taking is set while one
	// caller writes them (Take).
	takes  atomic.Int64
	taking atomic.Bool
	// active caches Store.ProactiveActive, looked up at activeAt (unix ns)
	// by one caller at a time (looking).
	active   atomic.Bool
	activeAt atomic.Int64
	looking  atomic.Bool
}

// New returns a Service with defaults applied.
func New(cfg Config) *Service {
	if cfg.Rate <= 0 {
		cfg.Rate = 45
	}
	if cfg.Workers <= 0 {
		cfg.Workers = int(cfg.Rate/2) + 4
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.MaxPoll < cfg.Poll {
		cfg.MaxPoll = max(cfg.Poll, time.Second)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, interval: time.Duration(float64(time.Second) / cfg.Rate)}
}

// Counts are this replica's sent, skipped (too old or unreachable) and
// retried (throttled, put back) messages.
func (s *Service) Counts() (sent, skipped, retried int64) {
	return s.sent.Load(), s.skipped.Load(), s.retried.Load()
}

// entry is the sealed payload of one queued message.
type entry struct {
	URL  string             `json:"u"`
	Conv string             `json:"c"`
	Acts []*schema.Activity `json:"a"` // sent in order, by one worker
	At   int64              `json:"t"` // queued, unix ms
	Prio int                `json:"p"`
	Kind string             `json:"k"` // "welcome" (skipped when too old), "notice"
}

// Kinds of entries.
const (
	KindWelcome = "welcome"
	KindNotice  = "notice"
)

func newEntryID() string {
	return randid.Hex(12)
}

// QueueOps are the writes that queue acts (in this order) for the
// conversation, for a turn's commit (atomic with the turn). The payload
// is sealed.
func (s *Service) QueueOps(serviceURL, conv string, acts []*schema.Activity, prio int, kind string, now time.Time) ([]redisstore.Op, error) {
	plain, err := json.Marshal(entry{URL: serviceURL, Conv: conv, Acts: acts, At: now.UnixMilli(), Prio: prio, Kind: kind})
	if err != nil {
		return nil, fmt.Errorf("outbox: encode: %w", err)
	}
	id := newEntryID()
	return s.cfg.Store.OutboxOps(id, prio, now, s.cfg.Keys.Seal(plain, []byte("ob:"+id))), nil
}

// Enqueue queues a message outside a turn (reminders, notifications).
func (s *Service) Enqueue(ctx context.Context, serviceURL, conv string, act *schema.Activity, prio int) error {
	ops, err := s.QueueOps(serviceURL, conv, []*schema.Activity{act}, prio, KindNotice, s.cfg.Now())
	if err != nil {
		return err
	}
	return s.cfg.Store.Exec(ctx, ops)
}

// Take takes a reply's slot of the tenant budget (it is sent now; the
// queued senders' next slots move back).
//
// Replies arrive by the thousand a second and each took a Redis round
// trip of its own; now they are counted here and the slots taken while
// one caller is writing are written by it in one call for all of them
// (n slots at once move the budget exactly as n calls at the same
// instant). The caller that finds no write under way writes; the others
// return at once. (Writing them on a timer instead, a few milliseconds
// late, was tried: it saved about 2 % of a turn's CPU and lets proactive
// senders run ahead of the replies meanwhile; the install storm test,
// on a loaded machine, then saw a reply answered 429 once.)
//
// While no proactive sender of any replica has taken a slot in the last
// two seconds (Store.ProactiveActive, looked up at most every
// activeLookup), a reply's slot would push nobody back and is not taken:
// a quiet bot answers without a Redis call for the budget. A campaign or
// a welcome that starts meanwhile learns of the replies at most
// activeLookup late.
func (s *Service) Take(ctx context.Context) {
	if !s.proactive(ctx) {
		return
	}
	s.takes.Add(1)
	for s.takes.Load() > 0 && s.taking.CompareAndSwap(false, true) {
		for n := s.takes.Swap(0); n > 0; n = s.takes.Swap(0) {
			if _, err := s.cfg.Store.TakeBudget(ctx, s.cfg.Now(), time.Duration(n)*s.interval); err != nil {
				s.cfg.Log.Warn("outbox: reply budget not taken", "err", err, "slots", n)
			}
		}
		s.taking.Store(false)
	}
}

// activeLookup is how long a look at ProactiveActive is used.
const activeLookup = 100 * time.Millisecond

// proactive says whether proactive senders are at work (see Take); in
// doubt (Redis unreachable), yes.
func (s *Service) proactive(ctx context.Context) bool {
	now := time.Now().UnixNano()
	if now-s.activeAt.Load() < int64(activeLookup) {
		return s.active.Load()
	}
	if !s.looking.CompareAndSwap(false, true) {
		return true // another caller is looking: count this reply, as in doubt
	}
	defer s.looking.Store(false)
	on, err := s.cfg.Store.ProactiveActive(ctx)
	if err != nil {
		on = true
	}
	s.active.Store(on)
	s.activeAt.Store(now)
	return on
}

// Run sends queued messages until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			// Idle workers back off (Poll doubling up to MaxPoll, with
			// jitter): with the default 26 workers that is about 26 polls
			// a second when nothing is queued instead of ~350, and a new
			// message still waits about MaxPoll / workers for the first.
			idle := s.cfg.Poll
			for ctx.Err() == nil {
				if s.step(ctx) {
					idle = s.cfg.Poll
					continue
				}
				sleep(ctx, idle/2+time.Duration(rand.N(int64(idle))))
				idle = min(2*idle, s.cfg.MaxPoll)
			}
		})
	}
	wg.Wait()
}

// step sends one message; false when there was none to send.
func (s *Service) step(ctx context.Context) bool {
	it, ok, wait, err := s.cfg.Store.ClaimOutbox(ctx, s.cfg.Now(), s.cfg.Lease, s.interval, maxAhead, PriorityBulk)
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn("outbox: claim failed", "err", err)
		}
		return false
	}
	if !ok {
		if wait > 0 {
			sleep(ctx, wait+time.Duration(rand.N(int64(2*time.Millisecond))))
			return true
		}
		return false
	}
	s.active.Store(true) // this replica is sending: replies count at once
	s.activeAt.Store(time.Now().UnixNano())
	slot := time.Now().Add(it.Wait)
	sleep(ctx, it.Wait)
	late := time.Since(slot) > 2*s.interval
	plain, err := s.cfg.Keys.Open(it.Payload, []byte("ob:"+it.ID))
	var e entry
	if err == nil {
		err = json.Unmarshal(plain, &e)
	}
	if err != nil || len(e.Acts) == 0 {
		s.cfg.Log.Warn("outbox: entry unreadable; dropped", "err", err)
		s.done(ctx, it.ID, &s.skipped)
		return true
	}
	now := s.cfg.Now()
	if e.Kind == KindWelcome && now.Sub(time.UnixMilli(e.At)) > s.cfg.MaxAge {
		s.done(ctx, it.ID, &s.skipped) // a welcome a day late is worse than none
		return true
	}
	if late {
		// Woken late (a stalled process): sending now would add to a burst
		// of late senders; back in the queue at once, in its place.
		if err := s.cfg.Store.RetryOutbox(ctx, it.ID, e.Prio, time.UnixMilli(e.At), nil); err == nil {
			s.retried.Add(1)
			return true
		}
	}
	for i, act := range e.Acts {
		if i > 0 { // every further message takes its own slot of the budget
			wait, err := s.cfg.Store.TakeBudget(ctx, s.cfg.Now(), s.interval)
			if err != nil {
				return true // the lease expires and the rest is sent later
			}
			sleep(ctx, wait)
		}
		_, err = s.cfg.Conn.Send(ctx, e.URL, e.Conv, act)
		if err != nil && ctx.Err() != nil {
			return true // shutting down: the lease expires and it is sent later
		}
		var se *connector.StatusError
		switch {
		case err == nil:
			s.sent.Add(1)
			continue
		case errors.As(err, &se) && (se.StatusCode == http.StatusForbidden || se.StatusCode == http.StatusNotFound):
			s.done(ctx, it.ID, &s.skipped) // uninstalled or blocked since
		case errors.As(err, &se):
			// Throttled or unavailable: what is left goes back in the
			// queue, same priority, in order.
			wait := se.RetryAfter
			if wait <= 0 {
				wait = time.Second + time.Duration(rand.N(int64(time.Second)))
			}
			s.retried.Add(1)
			e.Acts = e.Acts[i:]
			plain, _ := json.Marshal(e)
			if err := s.cfg.Store.RetryOutbox(ctx, it.ID, e.Prio, s.cfg.Now().Add(wait), s.cfg.Keys.Seal(plain, []byte("ob:"+it.ID))); err != nil {
				s.cfg.Log.Warn("outbox: retry not queued (lease will expire)", "err", err)
			}
		default:
			// A transport error on a POST: Teams may have delivered it; a
			// duplicate is worse than a gap.
			s.cfg.Log.Warn("outbox: send failed", "err", err)
			s.done(ctx, it.ID, &s.skipped)
		}
		return true
	}
	s.done(ctx, it.ID, nil)
	return true
}

func (s *Service) done(ctx context.Context, id string, n *atomic.Int64) {
	if n != nil {
		n.Add(1)
	}
	if err := s.cfg.Store.AckOutbox(context.WithoutCancel(ctx), id); err != nil {
		s.cfg.Log.Warn("outbox: ack failed", "err", err)
	}
}

var sleep = connector.Sleep

// maxAhead bounds how far ahead a worker reserves its slot: few sends
// wait on timers at once, so a stalled process does not release a burst
// that would leave no room for a reply.
const maxAhead = 50 * time.Millisecond
