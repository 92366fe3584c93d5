// Package report carries out anonymous reporting (issue 5): filing a case,
// receipt checks, the reporter's and the unit's messages, the unit's inbox
// in a Teams channel, the EU whistleblowing deadlines and retention.
//
// Keyspace (under the store prefix; nothing here holds a Teams or Entra id,
// a name, a conversation id or a time of day in the clear):
//
//	report:<id>          stream of sealed case events (see case.go)
//	report:<id>:ref      sealed conversation reference of the reporter's
//	                     chat: only when they opted in to notifications;
//	                     deleted when the case closes
//	report:<id>:posted   id of the case's card in the inbox channel
//	                     (idempotency marker: posted once)
//	report:<id>:lock     short lease while a replica posts the card
//	receipt:<h>          receipt index: h = HMAC(hash key, code); hash
//	                     {s: salt, h: argon2id(code, salt), c: sealed case
//	                     id}; expires after ReceiptIdle without activity
//	rsess:<h>            a receipt check's session (h = keyed hash of the
//	                     random token on the status card): the sealed case
//	                     id, for 1–2 hours
//	inbox                sealed conversation reference of the unit's channel
//	inboxq               stream of inbox work (new case, new information,
//	                     notify the reporter) with consumer group "inbox"
//	rate:file:<h>        reports filed per user and day (h = keyed hash of
//	                     the user hash and the day); expires the next day
//	rate:file:all:<day>  reports filed in all, per day
//	rate:rcpt:<h>        failed receipt checks per user and hour
//	rate:rcpt:all:<hour> failed receipt checks in all, per hour
//
// Expiry times are set with PEXPIREAT at day or hour boundaries, never
// relative to now, so a TTL does not tell when something happened.
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
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/argon2"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// Scheduled kinds (registered with the scheduler in cmd/graensen).
const (
	KindAckDeadline      = "case-ack-deadline"
	KindFeedbackDeadline = "case-feedback-deadline"
	KindPurge            = "case-purge"
)

// Limits bound how much one user, and everyone together, can do.
type Limits struct {
	FilesPerUserDay   int // reports one user may file per day (default 3)
	FilesPerDay       int // reports in all per day (default 200)
	GuessesPerHour    int // failed receipt checks per user per hour (default 5)
	GuessesAllPerHour int // failed receipt checks in all per hour (default 300)
}

// Service carries out the report outputs. Set Bot before the first turn.
type Service struct {
	Bot    *bot.Bot
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

	wake chan struct{}
	once sync.Once
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
	}{{&l.FilesPerUserDay, 3}, {&l.FilesPerDay, 200}, {&l.GuessesPerHour, 5}, {&l.GuessesAllPerHour, 300}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if s.Consumer == "" {
		s.Consumer = "r-" + base64.RawURLEncoding.EncodeToString(randBytes(6))
	}
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Effect is the bot.Effect for the report outputs.
func (s *Service) Effect(ctx context.Context, tc bot.TurnContext, o dialogs.Output) (bot.Prepared, bool, error) {
	s.defaults()
	var (
		p   bot.Prepared
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
		p, err = s.registerInbox(tc)
	case dialogs.CaseAction:
		p, err = s.caseAction(ctx, tc, o)
	default:
		return bot.Prepared{}, false, nil
	}
	return p, true, err
}

func reply(c dialogs.Card) []dialogs.Output { return []dialogs.Output{dialogs.Reply{Card: c}} }

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
	vals, err := s.Store.Client().MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("read rate limits: %w", err)
	}
	out := make([]int, len(cs))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i], _ = strconv.Atoi(str)
		}
	}
	return out, nil
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
func (s *Service) fileCounters(tc bot.TurnContext, date string) (counter, counter) {
	end := dayAt(date, 1, 0)
	return counter{s.Store.Key("rate", "file", s.Hasher.Sum("rl-file", tc.UserKey+"|"+date)), end},
		counter{s.Store.Key("rate", "file", "all", date), end}
}

func (s *Service) guessCounters(tc bot.TurnContext) (counter, counter) {
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
	return s.Store.Key("receipt", s.Hasher.Sum("receipt", code))
}

func (s *Service) receiptExpiry(date string) time.Time {
	return dayAt(date, int(s.ReceiptIdle/(24*time.Hour))+1, 0)
}

func (s *Service) file(ctx context.Context, tc bot.TurnContext, o dialogs.FileReport) (bot.Prepared, error) {
	date := o.Date
	if !validDate(date) {
		date = dialogs.ReportDate(tc.Now)
	}
	if _, ok := dialogs.ParseReceipt(o.Receipt); !ok || !dialogs.ValidCaseID(o.CaseID) || o.Answers.What == "" {
		return bot.Prepared{}, errors.New("file report: malformed output")
	}
	user, all := s.fileCounters(tc, date)
	n, err := s.count(ctx, user, all)
	if err != nil {
		return bot.Prepared{}, err
	}
	if n[0] >= s.Limits.FilesPerUserDay || n[1] >= s.Limits.FilesPerDay {
		// The draft is gone with the frame either way: nothing is kept.
		return bot.Prepared{Outputs: reply(dialogs.ReportNotice("report-limited", "report.limit.file"))}, nil
	}
	id := o.CaseID
	if exists, err := s.Store.Client().Exists(ctx, s.caseKey(id)).Result(); err != nil {
		return bot.Prepared{}, fmt.Errorf("file report: %w", err)
	} else if exists > 0 { // a collision of random ids: draw another
		id = dialogs.NewReceiptCode(randBytes)[:8]
	}
	rk := s.Hasher.Sum("receipt", o.Receipt)
	answers := o.Answers
	ev := event{K: evFiled, Date: date, Answers: &answers, Notify: o.Notify,
		AckDue: addDays(date, 7), FbDue: addMonths(date, 3), Receipt: rk}
	args, err := s.appendOp(id, ev)
	if err != nil {
		return bot.Prepared{}, err
	}
	salt := randBytes(16)
	rkey := s.receiptKey(o.Receipt)
	ops := []redisstore.Op{
		{Cmd: "XADD", Key: s.caseKey(id), Args: args},
		{Cmd: "HSET", Key: rkey, Args: []any{
			"s", base64.RawStdEncoding.EncodeToString(salt),
			"h", base64.RawStdEncoding.EncodeToString(receiptHash(o.Receipt, salt)),
			"c", string(s.Keys.Seal([]byte(id), []byte(rkey))),
		}},
		{Cmd: "PEXPIREAT", Key: rkey, Args: []any{s.receiptExpiry(date).UnixMilli()}},
		{Cmd: "XADD", Key: s.Store.Key("inboxq"), Args: []any{"0-*", "t", "new", "c", id}},
	}
	if o.Notify {
		// The only link from a case to a person, by the reporter's choice.
		r := bot.RefOf(tc.Activity)
		r.Locale = string(tc.Lang) // notify in the language the reporter chose, not the client's
		ref, err := json.Marshal(r)
		if err != nil {
			return bot.Prepared{}, fmt.Errorf("encode reference: %w", err)
		}
		ops = append(ops, redisstore.Op{Cmd: "SET", Key: s.refKey(id), Args: []any{string(s.Keys.Seal(ref, []byte(s.refKey(id))))}})
	}
	ops = append(ops, s.Store.ScheduleOps("case-ack:"+id, dayAt(ev.AckDue, -2, 9), KindAckDeadline, []byte(id))...)
	ops = append(ops, s.Store.ScheduleOps("case-fb:"+id, dayAt(ev.FbDue, -14, 9), KindFeedbackDeadline, []byte(id))...)
	ops = append(ops, incrOps(user, all)...)
	return bot.Prepared{Ops: ops, Outputs: reply(dialogs.ReceiptCard(id, o.Receipt, o.Notify)), After: s.after}, nil
}

// --- receipt checks ------------------------------------------------------------------

// A receipt check opens a session: the status card carries a random token
// (in the reporter's own chat), and <p>rsess:<keyed hash of the token>
// holds the case id, sealed, until the next hour boundary after Session.
// Once it expires, nothing in the chat leads to the case any more.
func (s *Service) sessionKey(token string) string {
	return s.Store.Key("rsess", s.Hasher.Sum("rsess", token))
}

func (s *Service) check(ctx context.Context, tc bot.TurnContext, o dialogs.CheckReceipt) (bot.Prepared, error) {
	user, all := s.guessCounters(tc)
	n, err := s.count(ctx, user, all)
	if err != nil {
		return bot.Prepared{}, err
	}
	if n[0] >= s.Limits.GuessesPerHour || n[1] >= s.Limits.GuessesAllPerHour {
		return bot.Prepared{Outputs: reply(dialogs.ReportNotice("receipt-limited", "report.receipt.limited"))}, nil
	}
	fail := bot.Prepared{Ops: incrOps(user, all), Outputs: reply(dialogs.ReportNotice("receipt-notfound", "report.receipt.notfound"))}
	id, rkey, err := s.lookup(ctx, o.Code)
	if errors.Is(err, errNoCase) {
		return fail, nil
	}
	if err != nil {
		return bot.Prepared{}, err
	}
	c, _, err := s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return fail, nil
	}
	if err != nil {
		return bot.Prepared{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(randBytes(18))
	skey := s.sessionKey(token)
	ops := []redisstore.Op{
		{Cmd: "PEXPIREAT", Key: rkey, Args: []any{s.receiptExpiry(dialogs.ReportDate(tc.Now)).UnixMilli()}},
		{Cmd: "SET", Key: skey, Args: []any{string(s.Keys.Seal([]byte(id), []byte(skey)))}},
		{Cmd: "PEXPIREAT", Key: skey, Args: []any{tc.Now.Add(s.Session).UTC().Truncate(time.Hour).Add(time.Hour).UnixMilli()}},
	}
	return bot.Prepared{Ops: ops, Outputs: reply(dialogs.ReceiptStatusCard(c.View, token))}, nil
}

// lookup finds a case id by receipt code: the index key from the keyed
// hash, then the argon2id check, then the sealed id.
func (s *Service) lookup(ctx context.Context, code string) (string, string, error) {
	rkey := s.receiptKey(code)
	h, err := s.Store.Client().HGetAll(ctx, rkey).Result()
	if err != nil {
		return "", "", fmt.Errorf("receipt lookup: %w", err)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(h["s"])
	want, err2 := base64.RawStdEncoding.DecodeString(h["h"])
	if len(h) == 0 || err1 != nil || err2 != nil || len(want) != argonLen {
		return "", "", errNoCase
	}
	if subtle.ConstantTimeCompare(receiptHash(code, salt), want) != 1 {
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
	sealed, err := s.Store.Client().Get(ctx, skey).Bytes()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("load session: %w", err)
	}
	id, err := s.Keys.Open(sealed, []byte(skey))
	if err != nil || !dialogs.ValidCaseID(string(id)) {
		return "", false, nil
	}
	return string(id), true, nil
}

func (s *Service) reporterMessage(ctx context.Context, tc bot.TurnContext, o dialogs.ReporterMessage) (bot.Prepared, error) {
	expired := bot.Prepared{Outputs: reply(dialogs.ReportNotice("receipt-expired", "report.receipt.expired"))}
	id, ok, err := s.openSession(ctx, o.Token)
	if err != nil {
		return bot.Prepared{}, err
	}
	if !ok {
		return expired, nil
	}
	c, _, err := s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return expired, nil
	}
	if err != nil {
		return bot.Prepared{}, err
	}
	if c.View.Status == dialogs.StatusClosed {
		return bot.Prepared{Outputs: reply(dialogs.ReportNotice("reporter-closed", "report.status.closedText"))}, nil
	}
	date := o.Date
	if !validDate(date) {
		date = dialogs.ReportDate(tc.Now)
	}
	args, err := s.appendOp(id, event{K: evMsg, Date: date, Text: o.Text})
	if err != nil {
		return bot.Prepared{}, err
	}
	ops := []redisstore.Op{
		{Cmd: "XADD", Key: s.caseKey(id), Args: args},
		{Cmd: "PEXPIREAT", Key: c.ReceiptKey, Args: []any{s.receiptExpiry(date).UnixMilli()}},
		{Cmd: "XADD", Key: s.Store.Key("inboxq"), Args: []any{"0-*", "t", "upd", "c", id}},
	}
	return bot.Prepared{Ops: ops, Outputs: reply(dialogs.ReportNotice("reporter-sent", "report.status.sent")), After: s.after}, nil
}

// --- the unit's inbox -----------------------------------------------------------------

func (s *Service) registerInbox(tc bot.TurnContext) (bot.Prepared, error) {
	r := bot.RefOf(tc.Activity)
	r.Locale = string(tc.Lang) // the inbox speaks the registering handler's language
	ref, err := json.Marshal(r)
	if err != nil {
		return bot.Prepared{}, fmt.Errorf("encode inbox reference: %w", err)
	}
	key := s.Store.Key("inbox")
	ops := []redisstore.Op{{Cmd: "SET", Key: key, Args: []any{string(s.Keys.Seal(ref, []byte(key)))}}}
	return bot.Prepared{Ops: ops, Outputs: reply(dialogs.ReportNotice("inbox-registered", "report.inbox.registered")), After: s.after}, nil
}

// inbox opens the unit's channel reference (ok false when none is registered).
func (s *Service) inbox(ctx context.Context) (bot.Ref, bool, error) {
	key := s.Store.Key("inbox")
	sealed, err := s.Store.Client().Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return bot.Ref{}, false, nil
	}
	if err != nil {
		return bot.Ref{}, false, fmt.Errorf("load inbox: %w", err)
	}
	plain, err := s.Keys.Open(sealed, []byte(key))
	if err != nil {
		return bot.Ref{}, false, fmt.Errorf("open inbox: %w", err)
	}
	var ref bot.Ref
	if err := json.Unmarshal(plain, &ref); err != nil {
		return bot.Ref{}, false, fmt.Errorf("decode inbox: %w", err)
	}
	return ref, true, nil
}

func (s *Service) caseAction(ctx context.Context, tc bot.TurnContext, o dialogs.CaseAction) (bot.Prepared, error) {
	c, evs, err := s.loadCase(ctx, o.CaseID)
	if errors.Is(err, errNoCase) {
		return bot.Prepared{Outputs: reply(dialogs.ReportNotice("inbox-gone", "report.inbox.gone"))}, nil
	}
	if err != nil {
		return bot.Prepared{}, err
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
	case dialogs.VerbCClaim:
		ev = event{K: evClaim, Date: date, By: by}
	case dialogs.VerbCStatus:
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
	case dialogs.VerbCReply:
		if c.View.Status == dialogs.StatusClosed {
			return bot.Prepared{Outputs: reply(dialogs.ReportNotice("inbox-closed", "report.status.closedText"))}, nil
		}
		ev = event{K: evMsg, Date: date, Text: o.Text, FromUnit: true, By: by}
		ops = append(ops, redisstore.Op{Cmd: "PEXPIREAT", Key: c.ReceiptKey, Args: []any{s.receiptExpiry(date).UnixMilli()}})
		if c.View.Notify {
			ops = append(ops, redisstore.Op{Cmd: "XADD", Key: s.Store.Key("inboxq"), Args: []any{"0-*", "t", "ntf", "c", id}})
		}
	case dialogs.VerbCNote:
		ev = event{K: evNote, Date: date, Text: o.Text, By: by}
	default:
		return bot.Prepared{}, fmt.Errorf("case action: unknown op %q", o.Op)
	}
	args, err := s.appendOp(id, ev)
	if err != nil {
		return bot.Prepared{}, err
	}
	ops = append([]redisstore.Op{{Cmd: "XADD", Key: s.caseKey(id), Args: args}}, ops...)
	now := s.fold(id, append(evs, ev))
	card := dialogs.InboxCard(now.View)
	out := []dialogs.Output{dialogs.Reply{Card: card}}
	if o.ActivityID != "" {
		out = []dialogs.Output{dialogs.Update{ActivityID: o.ActivityID, Card: card}}
	}
	after := func(ctx context.Context) error { // statistics, after the commit (stats.go)
		s.countAction(ctx, id, date, c, now)
		return s.after(ctx)
	}
	return bot.Prepared{Ops: ops, Outputs: out, After: after}, nil
}

// purgeAt is when a case closed on date is deleted (at 03:00, a date-derived time).
func (s *Service) purgeAt(date string) time.Time {
	return dayAt(date, int((s.Retention+24*time.Hour-1)/(24*time.Hour)), 3)
}
