// Package schedule runs due items (personal reminders, case deadlines,
// campaign starts) from the Redis sorted set shared by all replicas. Each
// item is leased to one replica at a time, so it fires once.
package schedule

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kk/graensen/dialogs/redisstore"
)

// ErrPermanent wraps a handler error that retrying cannot fix: the item
// is dropped (e.g. the user uninstalled the bot).
var ErrPermanent = errors.New("permanent failure")

// Handler carries out one due item. A nil error or an error wrapping
// ErrPermanent ends the item; any other error retries it later.
type Handler func(ctx context.Context, d redisstore.Due) error

// Runner polls for due items and dispatches them by kind.
type Runner struct {
	Store    *redisstore.Store
	Handlers map[string]Handler
	Log      *slog.Logger
	Now      func() time.Time
	// Interval between polls (default 1 s); Lease how long a claimed item
	// is reserved (default 2 min); Batch items per poll (default 50).
	Interval, Lease time.Duration
	Batch           int
	// RetryDelay after a transient failure (default 1 min).
	RetryDelay time.Duration
}

// Run polls until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	if r.Interval <= 0 {
		r.Interval = time.Second
	}
	tick := time.NewTicker(r.Interval)
	defer tick.Stop()
	for {
		r.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Tick claims and carries out what is due now; it returns how many items
// it handled (tests call it directly instead of Run).
func (r *Runner) Tick(ctx context.Context) int {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lease, batch, retry := r.Lease, r.Batch, r.RetryDelay
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	if batch <= 0 {
		batch = 50
	}
	if retry <= 0 {
		retry = time.Minute
	}
	due, err := r.Store.ClaimDue(ctx, now(), batch, lease)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("scheduler claim failed", "err", err)
		}
		return 0
	}
	for _, d := range due {
		h, ok := r.Handlers[d.Kind]
		if !ok {
			log.Error("scheduled item of unknown kind dropped", "kind", d.Kind)
			if err := r.Store.Ack(ctx, d.ID); err != nil {
				log.Warn("scheduler bookkeeping failed; the lease will expire and the item run again", "err", err)
			}
			continue
		}
		err := h(ctx, d)
		switch {
		case err == nil:
			err = r.Store.Ack(ctx, d.ID)
		case errors.Is(err, ErrPermanent):
			log.Warn("scheduled item dropped", "kind", d.Kind, "err", err)
			err = r.Store.Ack(ctx, d.ID)
		default:
			log.Warn("scheduled item will be retried", "kind", d.Kind, "err", err)
			err = r.Store.Retry(ctx, d.ID, now().Add(retry))
		}
		if err != nil {
			log.Warn("scheduler bookkeeping failed; the lease will expire and the item run again", "err", err)
		}
	}
	return len(due)
}
