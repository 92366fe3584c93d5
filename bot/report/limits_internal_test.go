package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/internal/randid"
)

func limitsService(t *testing.T, tune func(*Service)) *Service {
	t.Helper()
	rdb, prefix := redistest.New(t)
	keys, err := seal.ParseKeys("k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=")
	if err != nil {
		t.Fatal(err)
	}
	hasher, _ := seal.NewHasher([]byte("0123456789012345678901234567890123456789"))
	s := &Service{Store: redisstore.New(rdb, prefix), Keys: keys, Hasher: hasher}
	if tune != nil {
		tune(s)
	}
	s.defaults()
	return s
}

func turn(user string) effect.TurnContext {
	// Each turn has its own random token, as each activity does.
	return effect.TurnContext{Activity: &schema.Activity{}, UserKey: user, ConvKey: "c-" + user, Lang: dialogs.Danish, Now: time.Now(), Token: dialogs.NewReceiptCode(randid.Bytes)}
}

// apply carries out an effect's own write (the case's, apart from the
// turn) and then its ops, as the turn's commit would.
func apply(t *testing.T, s *Service, p effect.Prepared) {
	t.Helper()
	if p.Write != nil {
		if err := p.Write(context.Background()); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	for _, op := range p.Ops {
		if err := s.Store.Client().Do(context.Background(), append([]any{op.Cmd, op.Key}, op.Args...)...).Err(); err != nil {
			t.Fatalf("%s %s: %v", op.Cmd, op.Key, err)
		}
	}
}

func runEffect(t *testing.T, s *Service, tc effect.TurnContext, o dialogs.Output) effect.Prepared {
	t.Helper()
	p, handled, err := s.Effect(context.Background(), tc, o)
	if err != nil || !handled {
		t.Fatalf("effect %T: %v (handled %v)", o, err, handled)
	}
	return p
}

func fileOne(t *testing.T, s *Service, user string) (string, effect.Prepared) {
	t.Helper()
	code := dialogs.NewReceiptCode(randid.Bytes)
	p := runEffect(t, s, turn(user), dialogs.FileReport{CaseID: dialogs.NewReceiptCode(randid.Bytes)[:8], Receipt: code,
		Date: dialogs.ReportDate(time.Now()), Answers: dialogs.ReportAnswers{What: "x"}})
	return code, p
}

func cardName(p effect.Prepared) string {
	for _, o := range p.Outputs {
		switch r := o.(type) {
		case dialogs.Reply:
			return r.Card.Name
		case dialogs.ShowDialog:
			return r.Card.Name
		}
	}
	return ""
}

// TestConcurrentReceiptChecksShareFewArgonSlots: 16 checks at once with
// the right code all open the case, but never more than ArgonSlots
// argon2id hashes (19 MiB each) run at the same time.
func TestConcurrentReceiptChecksShareFewArgonSlots(t *testing.T) {
	s := limitsService(t, func(s *Service) { s.Limits.ArgonSlots = 2 })
	code, p := fileOne(t, s, "filer")
	apply(t, s, p)
	runs0, _ := s.ArgonStats()
	var wg sync.WaitGroup
	names := make([]string, 16)
	for i := range names {
		wg.Go(func() {
			p, _, err := s.Effect(context.Background(), turn(fmt.Sprintf("user-%d", i)), dialogs.CheckReceipt{Code: code})
			if err != nil {
				t.Error(err)
			}
			names[i] = cardName(p)
		})
	}
	wg.Wait()
	for i, n := range names {
		if n != "receipt-status" {
			t.Errorf("check %d answered %q, want the status card", i, n)
		}
	}
	runs, peak := s.ArgonStats()
	if runs-runs0 != 16 {
		t.Errorf("%d argon2id runs for 16 checks", runs-runs0)
	}
	if peak < 1 || peak > 2 {
		t.Fatalf("%d argon2id ran at once, want at most 2", peak)
	}
	t.Logf("16 concurrent checks: at most %d argon2id at once", peak)
}

// TestAReranTurnHashesOnceAndCountsOnce: when the turn reruns after a
// state conflict (the same activity, prepared again), the check neither
// hashes again nor counts again; the filing turn reuses its hash too.
func TestAReranTurnHashesOnceAndCountsOnce(t *testing.T) {
	s := limitsService(t, nil)
	filer := turn("filer")
	o := dialogs.FileReport{CaseID: "ABCD2345", Receipt: dialogs.NewReceiptCode(randid.Bytes), Date: dialogs.ReportDate(time.Now()), Answers: dialogs.ReportAnswers{What: "x"}}
	first := runEffect(t, s, filer, o)
	again := runEffect(t, s, filer, o)
	if runs, _ := s.ArgonStats(); runs != 1 {
		t.Fatalf("filing prepared twice ran argon2id %d times", runs)
	}
	// Both attempts carried out (the second finds the filing done): the
	// one case opens with the code.
	apply(t, s, first)
	apply(t, s, again)
	tc := turn("checker")
	for range 3 {
		if n := cardName(runEffect(t, s, tc, dialogs.CheckReceipt{Code: o.Receipt})); n != "receipt-status" {
			t.Fatalf("check answered %q", n)
		}
	}
	if runs, _ := s.ArgonStats(); runs != 2 {
		t.Fatalf("a check prepared three times ran argon2id %d times in all, want 2", runs)
	}
	if n, _ := s.countCheck(context.Background(), tc); n != 2 {
		t.Fatalf("the check was counted %d times, want once (this call makes 2)", n-1)
	}
}

// TestCorrectChecksAreCountedPerUser: right codes count too; past
// ChecksPerHour even the right code waits for the next hour.
func TestCorrectChecksAreCountedPerUser(t *testing.T) {
	s := limitsService(t, func(s *Service) { s.Limits.ChecksPerHour = 3 })
	code, p := fileOne(t, s, "filer")
	apply(t, s, p)
	for i := range 3 {
		if n := cardName(runEffect(t, s, turn("same-user"), dialogs.CheckReceipt{Code: code})); n != "receipt-status" {
			t.Fatalf("check %d: %q", i, n)
		}
	}
	if n := cardName(runEffect(t, s, turn("same-user"), dialogs.CheckReceipt{Code: code})); n != "receipt-limited" {
		t.Fatalf("fourth right check in the hour: %q, want refused", n)
	}
	if n := cardName(runEffect(t, s, turn("another-user"), dialogs.CheckReceipt{Code: code})); n != "receipt-status" {
		t.Fatalf("another user: %q", n)
	}
}

// TestNoGlobalCounterLocksOutARightCodeOrAFirstReport: with the global
// counters far past their limits (60 accounts × 5 wrong codes, a flood of
// reports), the real reporter's right code still opens the case and a
// user's first report of the day is still accepted; a second one from the
// same user is what the global limit refuses.
func TestNoGlobalCounterLocksOutARightCodeOrAFirstReport(t *testing.T) {
	var logs bottest.SyncBuffer
	s := limitsService(t, func(s *Service) { s.Log = slog.New(slog.NewJSONHandler(&logs, nil)) })
	code, p := fileOne(t, s, "filer")
	apply(t, s, p)
	ctx := context.Background()
	rdb := s.Store.Client()
	// 60 accounts × 5 wrong codes, through the service.
	for i := range 60 {
		for j := range 5 {
			wrong := dialogs.NewReceiptCode(randid.Bytes)
			p := runEffect(t, s, turn(fmt.Sprintf("guesser-%d", i)), dialogs.CheckReceipt{Code: wrong})
			if cardName(p) != "receipt-notfound" {
				t.Fatalf("guess %d/%d: %q", i, j, cardName(p))
			}
			apply(t, s, p)
		}
	}
	_, all := s.guessCounters(turn("x"))
	if n, _ := rdb.Get(ctx, all.key).Int(); n < s.Limits.GuessesAllPerHour {
		t.Fatalf("global wrong codes %d, want past %d", n, s.Limits.GuessesAllPerHour)
	}
	if n := cardName(runEffect(t, s, turn("the-reporter"), dialogs.CheckReceipt{Code: code})); n != "receipt-status" {
		t.Fatalf("the right code after a guessing flood: %q, want the case", n)
	}
	if n := strings.Count(logs.String(), "someone may be guessing"); n != 1 {
		t.Fatalf("the guessing flood raised the alarm %d times, want once:\n%s", n, logs.String())
	}
	// Reports in all today far past the limit.
	_, fileAll := s.fileCounters(turn("x"), dialogs.ReportDate(time.Now()))
	rdb.Set(ctx, fileAll.key, 100000, time.Hour)
	_, first := fileOne(t, s, "first-time")
	if cardName(first) != "report-receipt" {
		t.Fatalf("a first report after a flood: %q, want accepted", cardName(first))
	}
	apply(t, s, first)
	if _, second := fileOne(t, s, "first-time"); cardName(second) != "report-limited" {
		t.Fatalf("a second report in a flood: %q, want refused", cardName(second))
	}
}
