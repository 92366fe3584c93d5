package report

// Limits (issue 12, F): what one reporter, and everyone together, can cost.
//
// Receipt checks. A check first finds the receipt index by a keyed hash of
// the code (one cheap Redis read); only when an index entry exists does
// the slow argon2id hash (19 MiB) run, to confirm the code. A wrong code
// therefore almost never costs an argon2id: the index entry exists only
// for the right code (or an HMAC collision). So:
//
//   - per user and hour, wrong codes are limited (GuessesPerHour, 5) and
//     so are all checks, right ones included (ChecksPerHour, 20): a user
//     cannot make the bot hash without end with their own right code;
//   - the global count of wrong codes (GuessesAllPerHour) never refuses
//     anyone: it is an alarm in the log. Refusing on it would let 60
//     accounts with 5 wrong codes each lock out the real reporter and
//     their right code; and wrong codes cost no argon2id to deny;
//   - argon2id runs at most ArgonSlots at a time in a process (a
//     semaphore), so a burst of checks waits instead of taking 19 MiB
//     each; and at most once per check, also when the turn reruns after
//     a state conflict (bot/turn.go): the result is memoized per turn.
//
// Filing. The global daily count (FilesPerDay) refuses only a user's
// second and later reports of the day; a user's first report is limited
// by nothing but their own account (FilesPerUserDay), so a flood from
// other accounts cannot keep a first report out.
//
// Every counter is a person's key (or a global one) and is written apart
// from any key of a case: the check counter by itself, before the lookup,
// never in the transaction that opens a session.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/randid"
)

// errTooManyChecks means the user has used their checks for this hour.
var errTooManyChecks = errors.New("too many receipt checks")

// gate is a counting semaphore around argon2id; it records how many
// evaluations ran at once at most, and how many ran.
type gate struct {
	slots       chan struct{}
	inUse, peak atomic.Int64
	runs        atomic.Int64
}

func newGate(n int) *gate { return &gate{slots: make(chan struct{}, max(n, 1))} }

// SetLimits sets the limits of l that are not zero (a zero keeps the
// default), before the service handles its first turn; the argon2id gate
// is sized anew for ArgonSlots.
func (s *Service) SetLimits(l Limits) {
	s.defaults()
	for _, f := range []struct{ dst, v *int }{
		{&s.Limits.FilesPerUserDay, &l.FilesPerUserDay}, {&s.Limits.FilesPerDay, &l.FilesPerDay},
		{&s.Limits.GuessesPerHour, &l.GuessesPerHour}, {&s.Limits.GuessesAllPerHour, &l.GuessesAllPerHour},
		{&s.Limits.ChecksPerHour, &l.ChecksPerHour}, {&s.Limits.MsgsPerCaseDay, &l.MsgsPerCaseDay},
		{&s.Limits.MsgRunes, &l.MsgRunes}, {&s.Limits.ArgonSlots, &l.ArgonSlots},
		{&s.Limits.MaxCardMsgs, &l.MaxCardMsgs}, {&s.Limits.MaxCardNotes, &l.MaxCardNotes},
	} {
		if *f.v > 0 {
			*f.dst = *f.v
		}
	}
	s.argon = newGate(s.Limits.ArgonSlots)
}

// ArgonCapacity is how many argon2id evaluations may run at once.
func (s *Service) ArgonCapacity() int { s.defaults(); return cap(s.argon.slots) }

// do runs fn holding a slot, or gives up when ctx ends first.
func (g *gate) do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for an argon2id slot: %w", ctx.Err())
	}
	n := g.inUse.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	defer func() { g.inUse.Add(-1); <-g.slots }()
	g.runs.Add(1)
	fn()
	return nil
}

// ArgonStats reports how many argon2id evaluations this service ran and
// the most that ran at once (for tests and operations).
func (s *Service) ArgonStats() (runs, peak int) {
	s.defaults()
	return int(s.argon.runs.Load()), int(s.argon.peak.Load())
}

// argonHash is receiptHash under the gate.
func (s *Service) argonHash(ctx context.Context, code string, salt []byte) ([]byte, error) {
	var h []byte
	err := s.argon.do(ctx, func() { h = receiptHash(code, salt) })
	return h, err
}

// memo keeps a turn's receipt work across reruns of that turn: the key is
// the turn's activity (the same pointer on every attempt) and the code.
// Entries are dropped after memoTTL, well beyond a turn's 10 s.
type memo struct {
	mu sync.Mutex
	m  map[memoKey]memoEntry
}

type memoKey struct {
	act  *schema.Activity
	code string
}

type memoEntry struct {
	id, rkey   string
	salt, hash []byte
	err        error
	at         time.Time
}

const memoTTL = 20 * time.Second

func (m *memo) get(k memoKey) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[k]
	return e, ok
}

func (m *memo) put(k memoKey, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[memoKey]memoEntry{}
	}
	e.at = time.Now()
	for old, v := range m.m {
		if time.Since(v.at) > memoTTL {
			delete(m.m, old)
		}
	}
	m.m[k] = e
}

// checkOnce looks a receipt code up at most once per turn: it counts the
// check against the user's hourly budget (a write of its own, a person's
// key only), then finds the case (argon2id under the gate). A Redis error
// is not memoized, so a rerun tries again.
func (s *Service) checkOnce(ctx context.Context, tc effect.TurnContext, code string) (string, string, error) {
	k := memoKey{tc.Activity, "check:" + code}
	if e, ok := s.checks.get(k); ok {
		return e.id, e.rkey, e.err
	}
	n, err := s.countCheck(ctx, tc)
	if err != nil {
		return "", "", err
	}
	if n > s.Limits.ChecksPerHour {
		s.checks.put(k, memoEntry{err: errTooManyChecks})
		return "", "", errTooManyChecks
	}
	id, rkey, err := s.lookup(ctx, code)
	if err != nil && !errors.Is(err, errNoCase) {
		return "", "", err
	}
	s.checks.put(k, memoEntry{id: id, rkey: rkey, err: err})
	return id, rkey, err
}

// countCheck adds one to the user's checks of this hour and returns the
// new count. The window key is a keyed hash of the user and the hour; it
// expires on a whole hour.
func (s *Service) countCheck(ctx context.Context, tc effect.TurnContext) (int, error) {
	hour := tc.Now.UTC().Truncate(time.Hour)
	h := hour.Format("2006010215")
	key := s.Store.Key("rate", "chk", s.Hasher.Sum("rl-chk", tc.UserKey+"|"+h))
	n, err := s.Store.IncrUntil(ctx, key, hour.Add(2*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("count receipt check: %w", err)
	}
	return n, nil
}

// newReceiptHash makes a new receipt's salt and argon2id hash, once per
// turn (a rerun of the filing turn reuses them) and under the gate.
func (s *Service) newReceiptHash(ctx context.Context, tc effect.TurnContext, code string) ([]byte, []byte, error) {
	k := memoKey{tc.Activity, "file:" + code}
	if e, ok := s.checks.get(k); ok {
		return e.salt, e.hash, nil
	}
	salt := randid.Bytes(16)
	hash, err := s.argonHash(ctx, code, salt)
	if err != nil {
		return nil, nil, err
	}
	s.checks.put(k, memoEntry{salt: salt, hash: hash})
	return salt, hash, nil
}

// globalGuesses raises the alarm when wrong codes in all pass the hourly
// threshold. It refuses nothing (see the top of this file).
func (s *Service) globalGuesses(n int) {
	if n < s.Limits.GuessesAllPerHour {
		return
	}
	h := time.Now().Unix() / 3600
	if s.warnedHour.Swap(h) != h { // one line an hour
		s.Log.Warn("many wrong receipt codes this hour across all users: someone may be guessing (each user is still limited on their own)", "wrong_codes", n)
	}
}

// fileRefused decides on filing from the user's and everyone's reports
// today: the global limit never refuses a user's first report of the day.
func (s *Service) fileRefused(user, all int) bool {
	return dialogs.FileRefused(user, all, s.Limits.FilesPerUserDay, s.Limits.FilesPerDay)
}

// messageRefused checks a reporter's message against the size limit and
// the case's messages from the reporter on that date (dialogs decides).
func (s *Service) messageRefused(evs []event, date, text string) (dialogs.Card, bool) {
	today := 0
	for _, ev := range evs {
		if ev.K == evMsg && !ev.FromUnit && ev.Date == date {
			today++
		}
	}
	return dialogs.MessageRefusal(text, today, s.Limits.MsgRunes, s.Limits.MsgsPerCaseDay)
}
