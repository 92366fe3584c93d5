package reminder_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/internal/bottest"
)

// With the tenant-wide outbox (issue 15, point 3) a due reminder is
// queued at notice priority instead of being sent by the scheduler, and
// the outbox delivers it once, to the user's 1:1 chat.
func TestReminderGoesThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	var ob *outbox.Service
	h := bottest.New(t, bottest.Options{Local: true,
		Effects: func(h *bottest.Harness) []effect.Func { return []effect.Func{reminder.Effect(h.Store)} },
		Outbox: func(h *bottest.Harness) *outbox.Service {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			ob = outbox.New(outbox.Config{Store: h.Store, Keys: h.Keys, Conn: conn, Rate: 50, Poll: 10 * time.Millisecond})
			return ob
		}})
	sent := setReminder(t, h, "o")
	runner := &schedule.Runner{Store: h.Store, Handlers: map[string]schedule.Handler{reminder.Kind: reminder.Handler(h.Bot.Notices(), h.Store, lib)},
		Now: func() time.Time { return time.Now().Add(72 * time.Hour) }}
	if n := runner.Tick(ctx); n != 1 {
		t.Fatalf("fired %d", n)
	}
	if got := len(h.Conn.Settle(100 * time.Millisecond)); got != sent {
		t.Fatalf("the scheduler sent it itself: %d requests", got)
	}
	if n := h.Store.Client().ZCard(ctx, h.Store.OutboxKey()).Val(); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { ob.Run(runCtx) })
	got := h.Conn.Wait(t, sent+1)
	cancel()
	wg.Wait()
	rem := got[sent]
	if rem.Path != "/v3/conversations/a:conv-secret-id/activities" || !strings.Contains(bottest.CardText(bottest.CardOf(t, rem)), "Påmindelse") {
		t.Fatalf("reminder: %s %s", rem.Path, bottest.CardText(bottest.CardOf(t, rem)))
	}
	if n := len(h.Conn.Settle(100 * time.Millisecond)); n != sent+1 {
		t.Fatalf("%d requests, want %d", n, sent+1)
	}
}
