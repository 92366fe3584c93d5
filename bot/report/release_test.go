package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
)

// runScheduler runs this replica's scheduler (as cmd/graensen does) on
// the given clock until the test ends.
func (r *rig) runScheduler(t *testing.T, now func() time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	runner := &schedule.Runner{Store: r.Store, Handlers: r.svc.Handlers(), Now: now, Interval: 20 * time.Millisecond}
	wg.Go(func() { runner.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

var caseNo = regexp.MustCompile(`K-([A-Z0-9]{4})-([A-Z0-9]{4})`)

// caseOf reads the case id from a receipt card.
func caseOf(t *testing.T, d bottest.Dialog) string {
	t.Helper()
	m := caseNo.FindStringSubmatch(bottest.CardText(d.Card))
	if m == nil {
		t.Fatalf("no case number on %q", bottest.CardText(d.Card))
	}
	return m[1] + m[2]
}

// channelCases are the cases of the inbox cards posted so far, in order.
func channelCases(t *testing.T, r *rig) []string {
	var out []string
	for _, s := range r.Conn.Settle(0) {
		if toChannel(s) {
			out = append(out, action(t, bottest.CardOf(t, s), dialogs.VerbCaseReply)[dialogs.KeyArg].(string))
		}
	}
	return out
}

// With an interval release and two replicas on one Redis: nothing reaches
// the channel before the release; then every report does, once, in an
// order that is not the filing order.
func TestReleaseBatchesAreShuffledAndPostedOnce(t *testing.T) {
	const reports = 12 // a fixed order survives a shuffle of 12 once in 479 million
	released := make(chan int, 16)
	tune := func(seed uint64) func(*report.Service) {
		return func(s *report.Service) {
			s.Limits.FilesPerUserDay = 100
			s.Shuffle = rand.New(rand.NewPCG(seed, 99)).Shuffle
			s.OnRelease = func(n int) { released <- n }
		}
	}
	opts := bottest.Options{}
	opts.Engine.Release = dialogs.MustRelease("10m")
	r1 := newRig(t, opts, tune(1))
	opts.Store = r1.Store
	r2 := newRig(t, opts, tune(2))
	// The schedulers' clock stands still until the test moves it on.
	base := time.Now()
	var ahead atomic.Int64
	clock := func() time.Time { return base.Add(time.Duration(ahead.Load())) }
	for _, r := range []*rig{r1, r2} {
		r.run(t)
		r.runScheduler(t, clock)
	}
	r1.registerInbox(t)

	var filed []string
	for i := range reports {
		r := []*rig{r1, r2}[i%2]
		receipt := r.fileReport(t, "da-DK", false)
		if !strings.Contains(bottest.CardText(receipt.Card), "Enheden ser det den") {
			t.Fatalf("the receipt does not say when the unit sees it:\n%s", bottest.CardText(receipt.Card))
		}
		filed = append(filed, caseOf(t, receipt))
	}
	ctx := context.Background()
	if n, _ := r1.Store.PendingLen(ctx); n != reports {
		t.Fatalf("%d reports wait for the release, want %d", n, reports)
	}
	if n := r1.Store.Client().XLen(ctx, r1.Store.InboxQueue()).Val(); n != 0 {
		t.Fatalf("%d items reached the inbox queue before the release", n)
	}
	if got := channelCases(t, r1); len(got) != 0 {
		t.Fatalf("%d cases reached the channel before the release", len(got))
	}

	ahead.Store(int64(2 * 10 * time.Minute)) // the release time has come
	select {
	case n := <-released:
		if n != reports {
			t.Fatalf("the release moved %d, want all %d", n, reports)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no release")
	}
	for range reports {
		r1.next(t, "released inbox card", toChannel)
	}
	time.Sleep(300 * time.Millisecond) // give a duplicate every chance to appear
	got := channelCases(t, r1)
	sorted, want := slices.Clone(got), slices.Clone(filed)
	slices.Sort(sorted)
	slices.Sort(want)
	if !slices.Equal(sorted, want) {
		t.Fatalf("posted %v, want each of %v once", got, filed)
	}
	if slices.Equal(got, filed) {
		t.Fatalf("the batch was posted in filing order: %v", got)
	}
	// Later releases find nothing more to move.
	for {
		select {
		case n := <-released:
			if n != 0 {
				t.Fatalf("a later release moved %d more", n)
			}
			continue
		default:
		}
		break
	}
	r1.checkAnonymous(t, story)
}

// A report accepted before a crash of both the bot and Redis is released
// after the restart, once.
func TestReportsSurviveARestartUntilTheRelease(t *testing.T) {
	srv := redistest.StartServer(t)
	r1 := newRig(t, bottest.Options{Store: redisstore.New(srv.Client(), "g:")}, nil)
	r1.registerInbox(t)
	var filed []string
	for range 3 {
		filed = append(filed, caseOf(t, r1.fileReport(t, "en-US", false)))
	}
	// The first process is gone (its worker never ran); Redis restarts
	// from its append-only file.
	srv.Restart()
	r2 := newRig(t, bottest.Options{Store: redisstore.New(srv.Client(), "g:")}, nil)
	r2.run(t)
	if got := channelCases(t, r1); len(got) != 0 {
		t.Fatalf("posted before the release: %v", got)
	}
	r2.release(t)
	for range filed {
		r1.next(t, "released inbox card", toChannel) // the inbox reference points at the first harness's connector
	}
	time.Sleep(300 * time.Millisecond)
	got := channelCases(t, r1)
	slices.Sort(got)
	slices.Sort(filed)
	if !slices.Equal(got, filed) {
		t.Fatalf("posted %v, want %v once each", got, filed)
	}
}

// Two presses of Send on the same draft (or a turn rerun after a
// conflict) file one case.
func TestDoubleSendFilesOnce(t *testing.T) {
	r := newRig(t, bottest.Options{}, func(s *report.Service) { s.Limits.FilesPerUserDay = 100 })
	confirm := r.toConfirm(t, "da-DK", false)
	if txt := bottest.CardText(confirm.Card); !strings.Contains(txt, "ved næste frigivelse") || !strings.Contains(txt, "Send med det samme") {
		t.Fatalf("the confirmation does not say when the unit sees the report:\n%s", txt)
	}
	submit := action(t, confirm.Card, "report-submit")
	var wg sync.WaitGroup
	answers := make([]bottest.Dialog, 4)
	for i := range answers {
		a := r.DialogInvoke(r.id(), "task/submit", submit)
		a.Locale = "da-DK"
		wg.Go(func() { answers[i] = r.PostDialog(t, a) })
	}
	wg.Wait()
	// One press files and shows the receipt; a press that comes after it
	// finds the form gone and says so (a rerun on fresh state).
	receipts := 0
	for _, d := range answers {
		switch {
		case strings.Contains(bottest.CardText(d.Card), "Tak – din henvendelse er modtaget"):
			receipts++
		case d.Type == "message" && strings.Contains(d.Message, "ikke længere aktiv"):
		default:
			t.Fatalf("a press of Send got %s", d.Raw)
		}
	}
	if receipts == 0 {
		t.Fatal("no press of Send showed the receipt")
	}
	time.Sleep(200 * time.Millisecond)
	if cases := r.cases(t); cases != 1 {
		t.Fatalf("%d cases filed from one draft, want 1", cases)
	}
	if n, _ := r.Store.PendingLen(context.Background()); n != 1 {
		t.Fatalf("%d items in the outbox, want 1", n)
	}
}

// "Send now": the reporter's choice skips the wait, and says so.
func TestSendNowPostsAtOnce(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.registerInbox(t)
	receipt := r.press(t, "en-US", r.toConfirm(t, "en-US", false), "report-submit", map[string]any{"now": "true"})
	if txt := bottest.CardText(receipt.Card); !strings.Contains(txt, "Thank you") || !strings.Contains(txt, "Sent at once") {
		t.Fatalf("receipt: %s", txt)
	}
	r.next(t, "inbox card without a release", toChannel)
	if n, _ := r.Store.PendingLen(context.Background()); n != 0 {
		t.Fatalf("%d items wait for a release", n)
	}
}

// Handlers acting at once in the channel make their turns conflict and
// rerun: each action is stored once and shown once.
func TestConcurrentCaseActionsAreStoredOnce(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.registerInbox(t)
	r.fileReport(t, "da-DK", false)
	r.release(t)
	inbox := r.inboxCard(t)
	id := action(t, inbox, dialogs.VerbCaseNote)[dialogs.KeyArg].(string)
	const notes = 6
	var wg sync.WaitGroup
	for i := range notes {
		a := r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseNote), map[string]any{"note": fmt.Sprintf("notat-%d", i)}), "bot-act-1")
		wg.Go(func() { r.MustPost(a) })
	}
	wg.Wait()
	for range notes {
		r.next(t, "updated card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
	}
	for _, s := range r.Conn.Settle(100 * time.Millisecond) {
		for i := range notes {
			if n := strings.Count(cardText(s), fmt.Sprintf("notat-%d", i)); n > 1 {
				t.Fatalf("note %d shown %d times on one card", i, n)
			}
		}
	}
	if n := r.Store.Client().XLen(context.Background(), r.Store.CaseKey(id)).Val(); n != 1+notes {
		t.Fatalf("the case holds %d events, want the report and %d notes", n, notes)
	}
}
