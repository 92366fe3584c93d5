package reminder_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/internal/contenttest"
)

var lib = contenttest.Small()

// newBot starts a bot with the reminder effect; with store set it shares
// that Redis and prefix (a second replica, or the same bot restarted).
func newBot(t *testing.T, store *redisstore.Store) *bottest.Harness {
	t.Helper()
	return bottest.New(t, bottest.Options{Local: true, Store: store, Effects: func(h *bottest.Harness) []effect.Func {
		return []effect.Func{reminder.Effect(h.Store)}
	}})
}

func findSubmit(t *testing.T, card map[string]any, verb, arg string) map[string]any {
	t.Helper()
	for _, d := range bottest.Submits(card) {
		if d["a"] == verb && d["v"] == arg {
			return d
		}
	}
	t.Fatalf("no submit %s %s in card:\n%s", verb, arg, bottest.CardText(card))
	return nil
}

// post posts an activity and returns the card of the n-th request the
// connector receives, validated against the Adaptive Card 1.5 schema.
func post(t *testing.T, h *bottest.Harness, a any, n int) map[string]any {
	t.Helper()
	h.MustPost(a)
	got := h.Conn.Wait(t, n)
	card := bottest.CardOf(t, got[n-1])
	if err := cardschema.Validate(card); err != nil {
		t.Fatalf("card %d invalid: %v", n, err)
	}
	return card
}

// setReminder walks a user through "Remind me" on the round-off step of
// receive-report and picks "tomorrow"; it returns the connector count.
func setReminder(t *testing.T, h *bottest.Harness, idp string) int {
	t.Helper()
	post(t, h, h.Message(idp+"1", "menu"), 1)
	post(t, h, h.Submit(idp+"2", map[string]any{"a": dialogs.VerbGuideStep, "v": "receive-report:round-off"}), 2)
	pick := post(t, h, h.Submit(idp+"3", map[string]any{"a": "remind", "v": "receive-report:round-off", "chk:round-off.talk-again": "true"}), 3)
	tomorrow := findSubmit(t, pick, "remind-pick", "tomorrow")
	set := post(t, h, h.Submit(idp+"4", tomorrow), 4)
	if txt := bottest.CardText(set); !strings.Contains(txt, "Påmindelsen er sat") {
		t.Fatalf("no confirmation: %s", txt)
	}
	return 4
}

func dueCount(t *testing.T, h *bottest.Harness) int64 {
	t.Helper()
	n, err := h.Store.Client().ZCard(context.Background(), h.Store.Key("sched")).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReminderFiresExactlyOnceWithTwoReplicasAfterRestart(t *testing.T) {
	ctx := context.Background()
	h1 := newBot(t, nil)
	sent := setReminder(t, h1, "a")
	if n := dueCount(t, h1); n != 1 {
		t.Fatalf("%d items scheduled, want 1", n)
	}
	// Nothing identifying is scheduled: only keyed hashes and ids of ours.
	dump := redistest.Dump(ctx, t, h1.Store.Client(), h1.Prefix)
	for k, v := range dump {
		for _, s := range []string{"user-secret-id", "aad-0000-secret", "conv-secret-id", "tenant-secret-id", "Karen"} {
			if strings.Contains(k, s) || strings.Contains(v, s) {
				t.Errorf("Redis key %q holds %q", k, s)
			}
		}
	}

	// A second bot on the same Redis: the first one restarted, or a
	// second replica. Both run the scheduler.
	h2 := newBot(t, h1.Store)
	handlers := func(b reminder.Sender) map[string]schedule.Handler {
		return map[string]schedule.Handler{reminder.Kind: reminder.Handler(b, h1.Store, lib)}
	}
	// Not yet due: nothing happens.
	early := &schedule.Runner{Store: h1.Store, Handlers: handlers(h1.Bot)}
	if n := early.Tick(ctx); n != 0 {
		t.Fatalf("fired %d items early", n)
	}
	later := func() time.Time { return time.Now().Add(72 * time.Hour) }
	runners := []*schedule.Runner{
		{Store: h1.Store, Handlers: handlers(h1.Bot), Now: later},
		{Store: h2.Store, Handlers: handlers(h2.Bot), Now: later},
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 5 {
				r.Tick(ctx)
			}
		}()
	}
	close(start)
	wg.Wait()

	got := h1.Conn.Settle(200 * time.Millisecond)
	if len(got) != sent+1 {
		t.Fatalf("connector got %d requests, want %d (exactly one reminder)", len(got), sent+1)
	}
	if n := len(h2.Conn.Settle(0)); n != 0 {
		t.Fatalf("%d requests went elsewhere", n)
	}
	rem := got[sent]
	if rem.Activity.ReplyToID != "" || rem.Path != "/v3/conversations/a:conv-secret-id/activities" {
		t.Fatalf("reminder not a proactive message to the 1:1 chat: %s reply to %q", rem.Path, rem.Activity.ReplyToID)
	}
	card := bottest.CardOf(t, rem)
	if err := cardschema.Validate(card); err != nil {
		t.Fatal(err)
	}
	txt := bottest.CardText(card)
	if !strings.Contains(txt, "Påmindelse") || !strings.Contains(txt, "Når du tager imod en henvendelse") {
		t.Fatalf("reminder card says:\n%s", txt)
	}
	open := findSubmit(t, card, dialogs.VerbGuide, "receive-report")
	if n := dueCount(t, h1); n != 0 {
		t.Fatalf("%d items still scheduled", n)
	}
	for _, r := range runners {
		if n := r.Tick(ctx); n != 0 {
			t.Fatalf("fired again: %d", n)
		}
	}
	// The button leads back into the playbook, where the user left off,
	// with the tick made before "Remind me".
	back := post(t, h2, h2.Submit("b1", open), 1)
	if txt := bottest.CardText(back); !strings.Contains(txt, "Trin 3 af 3") || !strings.Contains(txt, "Rund af") {
		t.Fatalf("button opened:\n%s", txt)
	}
	if !toggleOn(back, "chk:round-off.talk-again") {
		t.Fatal("tick lost")
	}
}

func toggleOn(card any, id string) bool {
	for _, el := range bottest.Elements(card) {
		if el["type"] == "Input.Toggle" && el["id"] == id && el["value"] == "true" {
			return true
		}
	}
	return false
}

func TestCancelledReminderNeverFires(t *testing.T) {
	ctx := context.Background()
	h := newBot(t, nil)
	n := setReminder(t, h, "c")
	list := post(t, h, h.Message("c5", "påmindelser"), n+1)
	var cancel map[string]any
	for _, d := range bottest.Submits(list) {
		if d["a"] == dialogs.VerbReminderCancel {
			cancel = d
		}
	}
	if cancel == nil {
		t.Fatalf("no cancel button:\n%s", bottest.CardText(list))
	}
	after := post(t, h, h.Submit("c6", cancel), n+2)
	if txt := bottest.CardText(after); !strings.Contains(txt, "annulleret") {
		t.Fatalf("after cancel:\n%s", txt)
	}
	if c := dueCount(t, h); c != 0 {
		t.Fatalf("%d items still scheduled after cancel", c)
	}
	run := &schedule.Runner{Store: h.Store, Handlers: map[string]schedule.Handler{reminder.Kind: reminder.Handler(h.Bot, h.Store, lib)},
		Now: func() time.Time { return time.Now().Add(72 * time.Hour) }}
	run.Tick(ctx)
	if got := h.Conn.Settle(100 * time.Millisecond); len(got) != n+2 {
		t.Fatalf("a cancelled reminder was sent (%d requests)", len(got))
	}
}

// fakeSender fails sends as told; it opens profiles with the real bot's keys.
type fakeSender struct {
	reminder.Sender
	err error
}

func (f fakeSender) SendToUser(context.Context, string, dialogs.Card) (string, error) {
	return "", f.err
}

func TestHandlerErrors(t *testing.T) {
	ctx := context.Background()
	h := newBot(t, nil)
	setReminder(t, h, "e")
	due, err := h.Store.ClaimDue(ctx, time.Now().Add(72*time.Hour), 10, time.Minute)
	if err != nil || len(due) != 1 || due[0].Kind != reminder.Kind {
		t.Fatalf("claim: %v %+v", err, due)
	}
	d := due[0]
	for _, tc := range []struct {
		err       error
		permanent bool
	}{
		{activity.ErrNoReference, true},
		{fmt.Errorf("send to user: %w", &connector.StatusError{Op: "send", StatusCode: http.StatusForbidden}), true},
		{fmt.Errorf("send to user: %w", &connector.StatusError{Op: "send", StatusCode: http.StatusBadGateway}), false},
		{errors.New("redis down"), false},
		{nil, false},
	} {
		err := reminder.Handler(fakeSender{h.Bot, tc.err}, h.Store, lib)(ctx, d)
		if got := errors.Is(err, schedule.ErrPermanent); got != tc.permanent || (tc.err == nil) != (err == nil) {
			t.Errorf("send error %v: handler returned %v", tc.err, err)
		}
	}
	if err := reminder.Handler(fakeSender{Sender: h.Bot}, h.Store, lib)(ctx, redisstore.Due{ID: "x", Kind: reminder.Kind, Payload: []byte("garbage")}); !errors.Is(err, schedule.ErrPermanent) {
		t.Errorf("garbage payload: %v", err)
	}
	// A user who uninstalled is forgotten: the reminder is dropped quietly.
	un := h.Activity("installationUpdate", "e9")
	un.Action = "remove"
	h.MustPost(un) // the turn is committed before the webhook answers
	if err := h.Bot.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reminder.Handler(fakeSender{h.Bot, errors.New("must not send")}, h.Store, lib)(ctx, d); err != nil {
		t.Errorf("forgotten user: %v", err)
	}
}

func TestResumeAfterRestart(t *testing.T) {
	h1 := newBot(t, nil)
	post(t, h1, h1.Submit("r1", map[string]any{"a": "guide", "v": "receive-report"}), 1)
	post(t, h1, h1.Submit("r2", map[string]any{"a": dialogs.VerbGuideStep, "v": "receive-report:listen", "chk:prepare.frame": "true", "chk:prepare.guidelines": "false"}), 2)
	// Ticks on step 2, then away to the menu.
	menu := post(t, h1, h1.Submit("r3", map[string]any{"a": "menu", "v": "receive-report", "chk:listen.serious": "true", "chk:listen.ask-who": "true", "chk:listen.ask-what": "false"}), 3)
	if !strings.Contains(bottest.CardText(menu), "Dine vejledninger i gang") {
		t.Fatalf("menu without under-way list:\n%s", bottest.CardText(menu))
	}

	// A new bot on the same Redis and prefix: a restart.
	h2 := newBot(t, h1.Store)
	menu = post(t, h2, h2.Message("s1", "menu"), 1)
	open := findSubmit(t, menu, dialogs.VerbGuide, "receive-report")
	c := post(t, h2, h2.Submit("s2", open), 2)
	txt := bottest.CardText(c)
	if !strings.Contains(txt, "Trin 2 af 3") || !strings.Contains(txt, "Lyt") {
		t.Fatalf("resumed at:\n%s", txt)
	}
	for id, on := range map[string]bool{"chk:listen.serious": true, "chk:listen.ask-who": true, "chk:listen.ask-what": false} {
		if toggleOn(c, id) != on {
			t.Errorf("after restart %s = %v, want %v", id, !on, on)
		}
	}
	sum := post(t, h2, h2.Submit("s3", findSubmit(t, c, dialogs.VerbGuideSummary, "receive-report")), 3)
	if txt := bottest.CardText(sum); strings.Count(txt, "☑") != 3 {
		t.Fatalf("summary ticks:\n%s", txt)
	}
}

func TestUninstallUnschedulesReminders(t *testing.T) {
	h := newBot(t, nil)
	setReminder(t, h, "u")
	if c := dueCount(t, h); c != 1 {
		t.Fatalf("%d items scheduled, want 1", c)
	}
	rm := h.Activity(schema.InstallationUpdate, "u-rm")
	rm.Action = "remove"
	h.MustPost(rm)
	if c := dueCount(t, h); c != 0 {
		t.Fatalf("%d reminders still scheduled after uninstall", c)
	}
}
