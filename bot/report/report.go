// Package report carries out anonymous reporting (issue 5): filing a case,
// receipt checks, the reporter's and the unit's messages, the unit's inbox
// in a Teams channel, the EU whistleblowing deadlines and retention.
//
// The keyspace (report:, receipt:, rsess:, once:, outbox, inboxq, inbox
// and the rate counters) and what is sealed under which label are
// documented once, in package dialogs/redisstore. This package holds the
// domain logic and builds the writes; all Redis access goes through the
// store, which refuses any write that touches both a person's keys and a
// case's keys. So a report, a receipt check and a message on a case are
// written apart from the turn's own commit (effect.Prepared.Write), under an
// idempotency key (redisstore.WriteOnce), and reach the unit only at the
// release times (dialogs.Release), shuffled.
//
// The receipt: 20 symbols of a 30-symbol alphabet (≈98 bits), shown only to
// the reporter. The index key must be found from the code alone, so it is
// a keyed hash (HMAC-SHA256 under the server's hash key) of the code; the
// value holds an argon2id hash of the code under a random salt, checked on
// every lookup, and the case id sealed under the data key. A Redis dump
// alone therefore maps no code to a case; with the hash key too, codes
// still cannot be guessed (98 bits), and the slow hash stands if the HMAC
// key is ever weakened.
package report

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
)

// Scheduled kinds (registered with the scheduler in cmd/graensen).
const (
	KindAckDeadline      = "case-ack-deadline"
	KindFeedbackDeadline = "case-feedback-deadline"
	KindPurge            = "case-purge"
	// KindRelease is a release of the outbox to the inbox (neutral: it
	// names no case, and its time is the release time).
	KindRelease = "inbox-release"
)

// Limits bound how much one user, and everyone together, can do.
// See limits.go for why no global counter ever refuses a correct receipt
// code or a user's first report of the day.
type Limits struct {
	FilesPerUserDay   int // reports one user may file per day (default 3)
	FilesPerDay       int // reports in all per day, beyond each user's first (default 200)
	GuessesPerHour    int // failed receipt checks per user per hour (default 5)
	GuessesAllPerHour int // failed receipt checks in all per hour: an alarm, never a refusal (default 300)
	ChecksPerHour     int // receipt checks per user per hour, right or wrong (default 20)
	MsgsPerCaseDay    int // reporter's messages per case per day (default 5)
	MsgRunes          int // longest reporter's message in characters (default 2000)
	ArgonSlots        int // argon2id evaluations at a time in this process (default 2)
	MaxCardMsgs       int // latest messages shown on the case card (default 10)
	MaxCardNotes      int // latest internal notes shown on the case card (default 5)
}

// Sender is what reports send through outside a turn: case cards to the
// unit's inbox channel and notices to a reporter's opt-in link
// (*bot.Sender, checked in cmd/graensen).
type Sender interface {
	SendToRef(ctx context.Context, ref activity.Ref, thread string, lang dialogs.Lang, card dialogs.Card) (string, error)
	UpdateAtRef(ctx context.Context, ref activity.Ref, activityID string, lang dialogs.Lang, card dialogs.Card) error
	DeleteAtRef(ctx context.Context, ref activity.Ref, activityID string) error
	QueueToRef(ctx context.Context, ref activity.Ref, lang dialogs.Lang, card dialogs.Card) error
	// CardSize is the size in bytes of a card as sent.
	CardSize(lang dialogs.Lang, c dialogs.Card) int
}

// Service carries out the report outputs. Set Send before the first turn.
type Service struct {
	Send   Sender
	Store  *redisstore.Store
	Keys   *seal.Keyring
	Hasher *seal.Hasher
	Log    *slog.Logger
	// Retention is how long a closed case is kept (default 90 days);
	// ReceiptIdle how long a receipt works without activity (default 180 days).
	Retention, ReceiptIdle time.Duration
	Limits                 Limits
	// Session is how long a receipt check lets the reporter answer (1 h).
	Session time.Duration
	// Worker tuning: ClaimIdle is how long an inbox item may stay with a
	// silent replica before another takes it (default 30 s); Block the
	// longest wait for new items (default 1 s).
	ClaimIdle, Block time.Duration
	// Consumer names this replica in the inbox consumer group (random if empty).
	Consumer string
	// Release is when the unit sees new reports and messages and when
	// reporters are notified (default dialogs.DefaultRelease).
	Release dialogs.Release
	// Shuffle orders a release's batch (default math/rand/v2's Shuffle,
	// randomly seeded); tests inject a seeded one.
	Shuffle func(n int, swap func(i, j int))
	// OnRelease, if set, is called after each release with the number of
	// items it moved to the inbox queue (tests wait on it).
	OnRelease func(moved int)
	// Now is the clock of the release handler (default time.Now).
	Now func() time.Time

	wake chan struct{}
	once sync.Once
	// argon bounds argon2id evaluations; checks memoizes receipt checks
	// per turn (limits.go).
	argon  *gate
	checks memo
	// warnedHour is the last hour the global wrong-code alarm was logged.
	warnedHour atomic.Int64
}

// New returns a Service with defaults filled in.
func New(store *redisstore.Store, keys *seal.Keyring, hasher *seal.Hasher, log *slog.Logger) *Service {
	s := &Service{Store: store, Keys: keys, Hasher: hasher, Log: log}
	s.defaults()
	return s
}

// defaults fills in unset fields, once (later calls are no-ops, so
// concurrent turns never write the Service).
func (s *Service) defaults() { s.once.Do(s.fill) }

func (s *Service) fill() {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Retention <= 0 {
		s.Retention = 90 * 24 * time.Hour
	}
	if s.ReceiptIdle <= 0 {
		s.ReceiptIdle = 180 * 24 * time.Hour
	}
	if s.Session <= 0 {
		s.Session = time.Hour
	}
	if s.ClaimIdle <= 0 {
		s.ClaimIdle = 30 * time.Second
	}
	if s.Block <= 0 {
		s.Block = time.Second
	}
	l := &s.Limits
	for _, p := range []struct {
		v *int
		d int
	}{{&l.FilesPerUserDay, 3}, {&l.FilesPerDay, 200}, {&l.GuessesPerHour, 5}, {&l.GuessesAllPerHour, 300},
		{&l.ChecksPerHour, 20}, {&l.MsgsPerCaseDay, 5}, {&l.MsgRunes, 2000}, {&l.ArgonSlots, 2}, {&l.MaxCardMsgs, 10}, {&l.MaxCardNotes, 5}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if s.Consumer == "" {
		s.Consumer = "r-" + base64.RawURLEncoding.EncodeToString(randid.Bytes(6))
	}
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	if s.Release.Every == 0 && len(s.Release.Clocks) == 0 {
		s.Release = dialogs.MustRelease(dialogs.DefaultRelease)
	}
	if s.Shuffle == nil {
		s.Shuffle = mrand.Shuffle
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.argon = newGate(l.ArgonSlots)
}

// Effect is the effect.Func for the report outputs.
func (s *Service) Effect(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	s.defaults()
	var (
		p   effect.Prepared
		err error
	)
	switch o := o.(type) {
	case dialogs.FileReport:
		p, err = s.file(ctx, tc, o)
	case dialogs.CheckReceipt:
		p, err = s.check(ctx, tc, o)
	case dialogs.ReporterMessage:
		p, err = s.reporterMessage(ctx, tc, o)
	case dialogs.RegisterInbox:
		p, err = s.registerInbox(ctx, tc)
	case dialogs.ConfirmInboxMove:
		p, err = s.confirmMove(ctx, tc, o)
	case dialogs.CaseAction:
		p, err = s.caseAction(ctx, tc, o)
	default:
		return effect.Prepared{}, false, nil
	}
	return p, true, err
}

func reply(c dialogs.Card) []dialogs.Output { return []dialogs.Output{dialogs.Reply{Card: c}} }

// The reporter's side answers in the dialog window, never in the chat
// (dialogs/dialogwin.go): the form's window after filing, "My receipt"'s
// window after a receipt check or a message to the unit.
func inForm(c dialogs.Card) []dialogs.Output    { return []dialogs.Output{dialogs.ReportDialog(c)} }
func inReceipt(c dialogs.Card) []dialogs.Output { return []dialogs.Output{dialogs.ReceiptDialog(c)} }

// answer is the receipt window's card for what the worker found out
// (dialogs.ReceiptAnswer decides which).
func answer(f dialogs.ReceiptFinding) effect.Prepared {
	return effect.Prepared{Outputs: []dialogs.Output{dialogs.ReceiptAnswer(f)}}
}

// Wake makes this replica's inbox worker look at its queue now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) after(context.Context) error { s.Wake(); return nil }

// --- rate limits --------------------------------------------------------------

// counter is a rate-limit window: its key and when it expires.
type counter struct {
	key string
	at  time.Time
}

func (s *Service) count(ctx context.Context, cs ...counter) ([]int, error) {
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.key
	}
	return s.Store.Counts(ctx, keys...)
}

func incrOps(cs ...counter) []redisstore.Op {
	var ops []redisstore.Op
	for _, c := range cs {
		ops = append(ops,
			redisstore.Op{Cmd: "INCRBY", Key: c.key, Args: []any{1}},
			redisstore.Op{Cmd: "PEXPIREAT", Key: c.key, Args: []any{c.at.UnixMilli()}})
	}
	return ops
}

// fileCounters are the per-user and global daily windows for filing. The
// user's window key is a keyed hash of the (already hashed) user and the
// day: it identifies nobody and is gone the day after.
func (s *Service) fileCounters(tc effect.TurnContext, date string) (counter, counter) {
	end := s.dayAt(date, 1, 0)
	return counter{s.Store.Key("rate", "file", s.Hasher.Sum("rl-file", tc.UserKey+"|"+date)), end},
		counter{s.Store.Key("rate", "file", "all", date), end}
}

func (s *Service) guessCounters(tc effect.TurnContext) (counter, counter) {
	hour := tc.Now.UTC().Truncate(time.Hour)
	h := hour.Format("2006010215")
	end := hour.Add(2 * time.Hour)
	return counter{s.Store.Key("rate", "rcpt", s.Hasher.Sum("rl-rcpt", tc.UserKey+"|"+h)), end},
		counter{s.Store.Key("rate", "rcpt", "all", h), end}
}

// --- filing -----------------------------------------------------------------------

// argon2id parameters (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonLen     = 32
)

func receiptHash(code string, salt []byte) []byte {
	return argon2.IDKey([]byte(code), salt, argonTime, argonMemory, argonThreads, argonLen)
}

func (s *Service) receiptKey(code string) string {
	return s.Store.ReceiptKey(s.Hasher.Sum("receipt", code))
}

func (s *Service) receiptExpiry(date string) time.Time {
	return s.dayAt(date, int(s.ReceiptIdle/(24*time.Hour))+1, 0)
}

// releaseOps queue inbox work: at once (the reporter chose so, or it is
// the unit's own work), or in the outbox until the next release, which
// they schedule (the same id on every replica: scheduling it twice is one
// release). It returns the release time (zero when at once).
func (s *Service) releaseOps(kind, id string, atOnce bool, now time.Time) ([]redisstore.Op, time.Time) {
	if atOnce {
		return []redisstore.Op{s.Store.QueueOp(kind, id)}, time.Time{}
	}
	next := s.Release.Next(now)
	return append([]redisstore.Op{s.Store.PendingOp(kind, id)}, s.Store.ScheduleOps(releaseID(next), next, KindRelease, nil)...), next
}

func releaseID(at time.Time) string { return KindRelease + ":" + fmt.Sprint(at.UnixMilli()) }

// onceExpiry is when an idempotency key goes: the end of the next day
// (a date-derived time).
func onceExpiry(now time.Time) time.Time {
	t, _ := dialogs.DayAt(dialogs.ReportDate(now), 2, 0) // a date ReportDate wrote always parses
	return t
}

// file files a report. The case (its events, receipt, deadlines and its
// place in the outbox) is one write of its own, under an idempotency key
// from the draft's random token; the turn's commit then removes the draft
// and counts the filing against the person's daily limit. A rerun, a
// double click or a redelivered activity finds the key and files nothing
// again; the reporter gets the same receipt.
func (s *Service) file(ctx context.Context, tc effect.TurnContext, o dialogs.FileReport) (effect.Prepared, error) {
	today := dialogs.ReportDate(tc.Now)
	// The case records the date of the release that carries it: no finer
	// than what the unit sees.
	date := s.Release.ReleaseDate(tc.Now, o.Now)
	if _, ok := dialogs.ParseReceipt(o.Receipt); !ok || !dialogs.ValidCaseID(o.CaseID) || o.Answers.What == "" {
		return effect.Prepared{}, errors.New("file report: malformed output")
	}
	token := o.Token
	if token == "" {
		token = tc.Token
	}
	once := s.Store.OnceKey(s.Hasher.Sum("once-file", token))
	user, all := s.fileCounters(tc, today)
	at := time.Time{}
	if !o.Now {
		at = s.Release.Next(tc.Now)
	}
	receipt := func(id string) []dialogs.Output {
		return inForm(dialogs.WithReleaseNote(dialogs.ReceiptCard(id, o.Receipt, o.Notify), at))
	}
	if sealed, ok, err := s.Store.Get(ctx, once); err != nil {
		return effect.Prepared{}, fmt.Errorf("file report: %w", err)
	} else if ok { // filed already by an earlier attempt of this turn or of a twin
		id, err := s.Keys.Open(sealed, []byte(once))
		if err != nil || !dialogs.ValidCaseID(string(id)) {
			return effect.Prepared{}, errors.New("file report: unreadable idempotency record")
		}
		return effect.Prepared{Ops: incrOps(user), Outputs: receipt(string(id))}, nil
	}
	n, err := s.count(ctx, user, all)
	if err != nil {
		return effect.Prepared{}, err
	}
	if s.fileRefused(n[0], n[1]) {
		// The draft is gone with the frame either way: nothing is kept.
		return effect.Prepared{Outputs: inForm(dialogs.ReportNotice("report-limited", "report.limit.file"))}, nil
	}
	id := o.CaseID
	if exists, err := s.Store.Exists(ctx, s.caseKey(id)); err != nil {
		return effect.Prepared{}, fmt.Errorf("file report: %w", err)
	} else if exists { // a collision of random ids: another, the same in every rerun
		id = dialogs.NewReceiptCode(detRand(s.Hasher.Sum("case-id", token)))[:8]
	}
	rk := s.Hasher.Sum("receipt", o.Receipt)
	answers := o.Answers
	ackDue, fbDue, ok := dialogs.CaseDeadlines(date)
	if !ok { // never: date is a release date; count from today as before
		ackDue, fbDue, _ = dialogs.CaseDeadlines(today)
	}
	ev := event{K: evFiled, Date: date, Answers: &answers, Notify: o.Notify,
		AckDue: ackDue, FbDue: fbDue, Receipt: rk}
	args, err := s.appendOp(id, ev)
	if err != nil {
		return effect.Prepared{}, err
	}
	salt, hash, err := s.newReceiptHash(ctx, tc, o.Receipt)
	if err != nil {
		return effect.Prepared{}, err
	}
	rkey := s.receiptKey(o.Receipt)
	ops := []redisstore.Op{
		{Cmd: "XADD", Key: s.caseKey(id), Args: args},
		{Cmd: "HSET", Key: rkey, Args: []any{
			"s", base64.RawStdEncoding.EncodeToString(salt),
			"h", base64.RawStdEncoding.EncodeToString(hash),
			"c", string(s.Keys.Seal([]byte(id), []byte(rkey))),
		}},
		{Cmd: "PEXPIREAT", Key: rkey, Args: []any{s.receiptExpiry(date).UnixMilli()}},
	}
	rel, _ := s.releaseOps("new", id, o.Now, tc.Now)
	ops = append(ops, rel...)
	if o.Notify {
		// The only link from a case to a person, by the reporter's choice.
		r := activity.RefOf(tc.Activity)
		r.Locale = string(tc.Lang) // notify in the language the reporter chose, not the client's
		ref, err := json.Marshal(r)
		if err != nil {
			return effect.Prepared{}, fmt.Errorf("encode reference: %w", err)
		}
		ops = append(ops, redisstore.Op{Cmd: "SET", Key: s.refKey(id), Args: []any{string(s.Keys.Seal(ref, []byte(s.refKey(id))))}})
	}
	ackAt, fbAt, _ := dialogs.DeadlineReminders(ev.AckDue, ev.FbDue) // valid: computed above
	ops = append(ops, s.Store.ScheduleOps("case-ack:"+id, ackAt, KindAckDeadline, []byte(id))...)
	ops = append(ops, s.Store.ScheduleOps("case-fb:"+id, fbAt, KindFeedbackDeadline, []byte(id))...)
	ops = append(ops, incrOps(all)...) // the global count is nobody's: it goes with the case
	sealedID := s.Keys.Seal([]byte(id), []byte(once))
	write := func(ctx context.Context) error {
		_, err := s.Store.WriteOnce(ctx, once, sealedID, onceExpiry(tc.Now), ops)
		return err
	}
	return effect.Prepared{Ops: incrOps(user), Write: write, Outputs: receipt(id), After: s.after}, nil
}

// detRand is a deterministic byte source from a seed (for the rare
// fallback case id, which must be the same in every rerun).
func detRand(seed string) func(int) []byte {
	ctr := 0
	return func(n int) []byte {
		var out []byte
		for len(out) < n {
			h := sha256.Sum256([]byte(fmt.Sprintf("%s|%d", seed, ctr)))
			ctr++
			out = append(out, h[:]...)
		}
		return out[:n]
	}
}

// --- receipt checks ------------------------------------------------------------------

// A receipt check opens a session: the status card carries a random token
// (in the dialog window, never in the chat), and <p>rsess:<keyed hash of the token>
// holds the case id, sealed, until the next hour boundary after Session.
// Once it expires, nothing in the chat leads to the case any more.
func (s *Service) sessionKey(token string) string {
	return s.Store.SessionKey(s.Hasher.Sum("rsess", token))
}

func (s *Service) check(ctx context.Context, tc effect.TurnContext, o dialogs.CheckReceipt) (effect.Prepared, error) {
	user, all := s.guessCounters(tc)
	n, err := s.count(ctx, user, all)
	if err != nil {
		return effect.Prepared{}, err
	}
	limited := answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptLimited})
	if n[0] >= s.Limits.GuessesPerHour {
		return limited, nil
	}
	s.globalGuesses(n[1])
	fail := answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptNotFound})
	fail.Ops = incrOps(user, all)
	id, rkey, err := s.checkOnce(ctx, tc, o.Code)
	if errors.Is(err, errTooManyChecks) {
		return limited, nil
	}
	if errors.Is(err, errNoCase) {
		return fail, nil
	}
	if err != nil {
		return effect.Prepared{}, err
	}
	c, _, err := s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return fail, nil
	}
	if err != nil {
		return effect.Prepared{}, err
	}
	// The session's token is random, and the same in every attempt of this
	// turn (so a rerun writes the same session). Its writes touch only the
	// case's keys: apart from the turn's commit.
	token := s.Hasher.Sum("rsess-token", tc.Token)
	skey := s.sessionKey(token)
	ops := []redisstore.Op{
		{Cmd: "PEXPIREAT", Key: rkey, Args: []any{s.receiptExpiry(dialogs.ReportDate(tc.Now)).UnixMilli()}},
		{Cmd: "SET", Key: skey, Args: []any{string(s.Keys.Seal([]byte(id), []byte(skey)))}},
		{Cmd: "PEXPIREAT", Key: skey, Args: []any{redisstore.CeilHour(tc.Now.Add(s.Session)).UnixMilli()}},
	}
	found := answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptFound, View: c.View, Token: token, Next: s.Release.Next(tc.Now)})
	found.Write = func(ctx context.Context) error { return s.Store.Write(ctx, ops) }
	return found, nil
}

// lookup finds a case id by receipt code: the index key from the keyed
// hash, then the argon2id check, then the sealed id.
func (s *Service) lookup(ctx context.Context, code string) (string, string, error) {
	rkey := s.receiptKey(code)
	h, err := s.Store.Hash(ctx, rkey)
	if err != nil {
		return "", "", fmt.Errorf("receipt lookup: %w", err)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(h["s"])
	want, err2 := base64.RawStdEncoding.DecodeString(h["h"])
	if len(h) == 0 || err1 != nil || err2 != nil || len(want) != argonLen {
		return "", "", errNoCase
	}
	got, err := s.argonHash(ctx, code, salt)
	if err != nil {
		return "", "", err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return "", "", errNoCase
	}
	id, err := s.Keys.Open([]byte(h["c"]), []byte(rkey))
	if err != nil {
		return "", "", errNoCase
	}
	return string(id), rkey, nil
}

func (s *Service) openSession(ctx context.Context, token string) (string, bool, error) {
	if len(token) > 64 {
		return "", false, nil
	}
	skey := s.sessionKey(token)
	sealed, ok, err := s.Store.Get(ctx, skey)
	if err != nil || !ok {
		return "", false, err
	}
	id, err := s.Keys.Open(sealed, []byte(skey))
	if err != nil || !dialogs.ValidCaseID(string(id)) {
		return "", false, nil
	}
	return string(id), true, nil
}

func (s *Service) reporterMessage(ctx context.Context, tc effect.TurnContext, o dialogs.ReporterMessage) (effect.Prepared, error) {
	expired := answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptExpired})
	id, ok, err := s.openSession(ctx, o.Token)
	if err != nil {
		return effect.Prepared{}, err
	}
	if !ok {
		return expired, nil
	}
	c, evs, err := s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return expired, nil
	}
	if err != nil {
		return effect.Prepared{}, err
	}
	if c.View.Status == dialogs.StatusClosed {
		return answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptClosed}), nil
	}
	date := s.Release.ReleaseDate(tc.Now, o.Now) // the release's date, as for a new report
	if refusal, refused := s.messageRefused(evs, date, o.Text); refused {
		return effect.Prepared{Outputs: inReceipt(refusal)}, nil
	}
	args, err := s.appendOp(id, event{K: evMsg, Date: date, Text: o.Text})
	if err != nil {
		return effect.Prepared{}, err
	}
	ops := []redisstore.Op{
		{Cmd: "XADD", Key: s.caseKey(id), Args: args},
		{Cmd: "PEXPIREAT", Key: c.ReceiptKey, Args: []any{s.receiptExpiry(date).UnixMilli()}},
	}
	rel, at := s.releaseOps("upd", id, o.Now, tc.Now)
	ops = append(ops, rel...)
	write := s.writeOnce(tc, "once-msg", id, ops)
	sent := answer(dialogs.ReceiptFinding{Outcome: dialogs.ReceiptSent, Next: at})
	sent.Write, sent.After = write, s.after
	return sent, nil
}

func (s *Service) onceKey(tc effect.TurnContext, label string) string {
	return s.Store.OnceKey(s.Hasher.Sum(label, tc.Token))
}

// writeOnce is a Prepared.Write of ops on a case, once per turn (the key
// is a keyed hash of the turn's random token).
func (s *Service) writeOnce(tc effect.TurnContext, label, id string, ops []redisstore.Op) func(context.Context) error {
	once := s.onceKey(tc, label)
	sealedID := s.Keys.Seal([]byte(id), []byte(once))
	return func(ctx context.Context) error {
		_, err := s.Store.WriteOnce(ctx, once, sealedID, onceExpiry(tc.Now), ops)
		return err
	}
}

// --- the unit's inbox -----------------------------------------------------------------

// inbox opens the unit's channel reference (ok false when none is registered).
func (s *Service) inbox(ctx context.Context) (activity.Ref, bool, error) {
	key := s.Store.InboxKey()
	sealed, ok, err := s.Store.Get(ctx, key)
	if err != nil || !ok {
		return activity.Ref{}, false, err
	}
	plain, err := s.Keys.Open(sealed, []byte(key))
	if err != nil {
		return activity.Ref{}, false, fmt.Errorf("open inbox: %w", err)
	}
	var ref activity.Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return activity.Ref{}, false, fmt.Errorf("decode inbox: %w", err)
	}
	return ref, true, nil
}

func (s *Service) caseAction(ctx context.Context, tc effect.TurnContext, o dialogs.CaseAction) (effect.Prepared, error) {
	posted, inInbox, err := s.fromInbox(ctx, tc, o.CaseID)
	if err != nil || !inInbox {
		return effect.Prepared{Outputs: reply(dialogs.InboxOnlyCard())}, err
	}
	c, evs, err := s.loadCase(ctx, o.CaseID)
	found := !errors.Is(err, errNoCase)
	if err != nil && found {
		return effect.Prepared{}, err
	}
	if card, refused := dialogs.CaseRefusal(dialogs.CaseFinding{Found: found, Op: o.Op, Status: c.View.Status}); refused {
		return effect.Prepared{Outputs: reply(card)}, nil
	}
	date := o.Date
	if !validDate(date) {
		date = dialogs.ReportDate(tc.Now)
	}
	by := tc.Activity.From.Name
	if by == "" {
		by = "–"
	}
	id := o.CaseID
	var ev event
	var ops []redisstore.Op
	switch o.Op {
	case dialogs.VerbCaseClaim:
		ev = event{K: evClaim, Date: date, By: by}
	case dialogs.VerbCaseStatus:
		ev = event{K: evStatus, Date: date, Status: o.Status, By: by}
		was := c.View.Status
		switch {
		case o.Status == dialogs.StatusClosed && was != dialogs.StatusClosed:
			// Closing deletes the notification link and starts the retention clock.
			ops = append(ops, redisstore.Op{Cmd: "DEL", Key: s.refKey(id)})
			ops = append(ops, s.Store.UnscheduleOps("case-ack:"+id)...)
			ops = append(ops, s.Store.UnscheduleOps("case-fb:"+id)...)
			ops = append(ops, s.Store.ScheduleOps("case-purge:"+id, s.purgeAt(date), KindPurge, []byte(id))...)
		case o.Status != dialogs.StatusClosed && was == dialogs.StatusClosed:
			ops = append(ops, s.Store.UnscheduleOps("case-purge:"+id)...)
		}
	case dialogs.VerbCaseReply:
		ev = event{K: evMsg, Date: date, Text: o.Text, FromUnit: true, By: by}
		ops = append(ops, redisstore.Op{Cmd: "PEXPIREAT", Key: c.ReceiptKey, Args: []any{s.receiptExpiry(date).UnixMilli()}})
		if c.View.Notify {
			// The reporter is told at the next release, with the others.
			rel, _ := s.releaseOps("ntf", id, false, tc.Now)
			ops = append(ops, rel...)
		}
	case dialogs.VerbCaseNote:
		ev = event{K: evNote, Date: date, Text: o.Text, By: by}
	default:
		return effect.Prepared{}, fmt.Errorf("case action: unknown op %q", o.Op)
	}
	args, err := s.appendOp(id, ev)
	if err != nil {
		return effect.Prepared{}, err
	}
	ops = append([]redisstore.Op{{Cmd: "XADD", Key: s.caseKey(id), Args: args}}, ops...)
	// In a rerun of this turn (after a conflict) the event is stored
	// already: the card shows it once.
	done, err := s.Store.Exists(ctx, s.onceKey(tc, "once-case"))
	if err != nil {
		return effect.Prepared{}, err
	}
	if !done {
		evs = append(evs, ev)
	}
	folded := s.fold(id, evs)
	card := s.caseCard(folded.View, tc.Lang)
	// The card updated is the case's own posted card, never whatever
	// message a (possibly forged) submit names.
	out := []dialogs.Output{dialogs.Reply{Card: card}}
	if posted != "" && posted != "-" {
		out = []dialogs.Output{dialogs.Update{ActivityID: posted, Card: card}}
	}
	// The handler's own commit is a person's: the case is written apart.
	after := func(ctx context.Context) error { // statistics, after the commit (stats.go)
		s.countAction(ctx, id, date, c, folded)
		return s.after(ctx)
	}
	return effect.Prepared{Write: s.writeOnce(tc, "once-case", id, ops), Outputs: out, After: after}, nil
}

// purgeAt is when a case closed on date is deleted (at 03:00, a date-derived time).
func (s *Service) purgeAt(date string) time.Time {
	return s.dayAt(date, int((s.Retention+24*time.Hour-1)/(24*time.Hour)), 3)
}
