// Package statistics carries out Grænsen's statistics (issue 16): the
// statistics card for the unit's handlers and AMK's admins, the admin API
// (GET /api/admin/stats, JSON or CSV) and the use counters of the
// guidance, summed in memory and flushed on a timer.
//
// The counters are kept by dialogs/redisstore, suppressed by
// dialogs/stats (the same code for the card, the JSON and the CSV), and
// the card is built by dialogs.StatsCard.
package statistics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/stats"
)

// OverdueFunc lists the open cases past a deadline (bot/report.Service.Overdue).
type OverdueFunc func(ctx context.Context, today string) ([]dialogs.Overdue, error)

// Service reads and shows the statistics.
type Service struct {
	Store *redisstore.Store
	// Min is the threshold below which a count is not shown (at least
	// stats.MinFloor; see CheckMin).
	Min     int
	Overdue OverdueFunc
	Log     *slog.Logger
	Now     func() time.Time
	Usage   *Usage
}

// CheckMin validates GRAENSEN_STATS_MIN's value ("" is the default).
func CheckMin(s string) (int, error) {
	if s == "" {
		return stats.DefaultMin, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < stats.MinFloor {
		return 0, fmt.Errorf("GRAENSEN_STATS_MIN must be a whole number of at least %d (counts under it are suppressed), not %q", stats.MinFloor, s)
	}
	return n, nil
}

// New returns a Service; min must have passed CheckMin.
func New(store *redisstore.Store, min int, overdue OverdueFunc, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: store, Min: max(min, stats.MinFloor), Overdue: overdue, Log: log, Now: time.Now, Usage: NewUsage(store, log)}
}

// Data is a year's statistics, suppressed.
type Data struct {
	Reports stats.Report
	Use     stats.Use
}

// Load reads a year's counters and suppresses them.
func (s *Service) Load(ctx context.Context, year int) (Data, error) {
	months := stats.Months(year)
	rc, err := s.Store.StatsMonths(ctx, "r", months)
	if err != nil {
		return Data{}, err
	}
	uc, err := s.Store.StatsMonths(ctx, "u", months)
	if err != nil {
		return Data{}, err
	}
	today := dialogs.ReportDate(s.Now())
	return Data{
		Reports: stats.BuildReports(year, s.Min, rc, dialogs.ReportStatDims(), dialogs.CaseStatuses, today),
		Use:     stats.BuildUse(year, s.Min, uc),
	}, nil
}

// Effect carries out dialogs.ShowStats: the card, built from the counters.
func (s *Service) Effect(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	show, ok := o.(dialogs.ShowStats)
	if !ok {
		return effect.Prepared{}, false, nil
	}
	d, err := s.Load(ctx, show.Year)
	if err != nil {
		return effect.Prepared{}, true, err
	}
	v := dialogs.StatsView{Reports: d.Reports, Use: d.Use, Handler: show.Handler, Now: tc.Now}
	if show.Handler && s.Overdue != nil {
		if v.Overdue, err = s.Overdue(ctx, dialogs.ReportDate(tc.Now)); err != nil {
			return effect.Prepared{}, true, err
		}
	}
	return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: dialogs.StatsCard(v)}}}, true, nil
}

// Usage sums use counts in memory and writes them every Interval (and
// when it stops), so a counter's write says nothing about when one user
// did something: it carries many turns at a time, at the timer's moment,
// in a transaction with no one's keys. Counts not yet written are lost if
// the process crashes (at most one interval of use).
type Usage struct {
	store    *redisstore.Store
	log      *slog.Logger
	Interval time.Duration

	mu      sync.Mutex
	pending map[string]map[string]int64
}

// NewUsage returns a Usage flushing every 10 minutes.
func NewUsage(store *redisstore.Store, log *slog.Logger) *Usage {
	return &Usage{store: store, log: log, Interval: 10 * time.Minute, pending: map[string]map[string]int64{}}
}

// Add counts one use in the month of now (Copenhagen time).
func (u *Usage) Add(now time.Time, c dialogs.CountUse) {
	if c.Metric == "" || len(c.Metric) > 40 || len(c.Key) > 80 {
		return
	}
	month := now.In(dialogs.Copenhagen).Format("2006-01")
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pending[month] == nil {
		u.pending[month] = map[string]int64{}
	}
	u.pending[month][c.Metric+"|"+c.Key]++
}

// Flush writes what has been counted; on failure it is kept for the next.
func (u *Usage) Flush(ctx context.Context) error {
	u.mu.Lock()
	batch := u.pending
	u.pending = map[string]map[string]int64{}
	u.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := u.store.AddUsage(ctx, batch)
	if err != nil {
		u.mu.Lock()
		for m, fields := range batch {
			if u.pending[m] == nil {
				u.pending[m] = map[string]int64{}
			}
			for f, n := range fields {
				u.pending[m][f] += n
			}
		}
		u.mu.Unlock()
	}
	return err
}

// Run flushes every Interval until ctx ends, then once more.
func (u *Usage) Run(ctx context.Context) {
	t := time.NewTicker(u.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := u.Flush(fctx); err != nil {
				u.log.Warn("statistics: use counts not written at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := u.Flush(ctx); err != nil && !errors.Is(err, context.Canceled) {
				u.log.Warn("statistics: use counts not written; kept for the next try", "err", err)
			}
		}
	}
}
