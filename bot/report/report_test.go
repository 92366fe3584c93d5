package report_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/bottest"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/locales"
)

// The reporter's identity as the harness sends it (bottest.Activity): none
// of these may ever reach Redis or the logs.
var secrets = []string{"29:user-secret-id", "Karen Hansen", "aad-0000-secret", "a:conv-secret-id", "tenant-secret-id"}

const (
	handlerAAD  = "aad-handler-1"
	channelConv = "19:unit-channel@thread.tacv2"
	story       = "Min kollega sagde noget meget ubehageligt til mig ved julefrokosten"
)

// rig is one bot replica with the report service and its inbox worker.
type rig struct {
	*bottest.Harness
	svc  *report.Service
	seen map[int]bool // connector sends already consumed by next
	n    int
}

func newRig(t *testing.T, o bottest.Options, tune func(*report.Service)) *rig {
	t.Helper()
	r := &rig{seen: map[int]bool{}}
	o.Local = true
	o.Engine.Handlers = []string{handlerAAD}
	more := o.Effects // further effects the test brings (statistics)
	o.Effects = func(h *bottest.Harness) []bot.Effect {
		r.svc = report.New(h.Store, h.Keys, h.Hasher, slog.New(slog.NewJSONHandler(h.Logs, nil)))
		r.svc.ClaimIdle, r.svc.Block = 300*time.Millisecond, 100*time.Millisecond
		if tune != nil {
			tune(r.svc)
		}
		effects := []bot.Effect{r.svc.Effect}
		if more != nil {
			effects = append(effects, more(h)...)
		}
		return effects
	}
	r.Harness = bottest.New(t, o)
	r.svc.Bot = r.Bot
	return r
}

// run starts the inbox worker until the test ends.
func (r *rig) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.svc.RunInbox(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func (r *rig) id() string {
	r.n++
	return "act-" + time.Now().Format("150405.000000") + "-" + string(rune('a'+r.n%26))
}

// next waits for a not yet consumed send matching pred.
func (r *rig) next(t *testing.T, what string, pred func(bottest.Sent) bool) bottest.Sent {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		for i, s := range r.Conn.Settle(0) {
			if !r.seen[i] && pred(s) {
				r.seen[i] = true
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s arrived", what)
	return bottest.Sent{}
}

func toChat(s bottest.Sent) bool {
	return s.Method == http.MethodPost && strings.Contains(s.Path, "/a:conv-secret-id/")
}
func updateInChat(s bottest.Sent) bool {
	return s.Method == http.MethodPut && strings.Contains(s.Path, "/a:conv-secret-id/")
}
func toChannel(s bottest.Sent) bool {
	return s.Method == http.MethodPost && s.Path == "/v3/conversations/"+channelConv+"/activities"
}
func named(name string, pred func(bottest.Sent) bool) func(bottest.Sent) bool {
	return func(s bottest.Sent) bool { return pred(s) && strings.Contains(cardText(s), name) }
}

func cardText(s bottest.Sent) string {
	if len(s.Activity.Attachments) != 1 {
		return ""
	}
	return bottest.CardText(s.Activity.Attachments[0].Content)
}

// reporter builds a message from the reporter's 1:1 chat.
func (r *rig) reporter(locale string, values map[string]any, replyTo string) schema.Activity {
	a := r.Submit(r.id(), values)
	a.Locale, a.ReplyToID = locale, replyTo
	return a
}

// handler builds a message from a handler (or, with another aad, anyone)
// in the unit's channel.
func (r *rig) handler(aad, text string, values map[string]any, replyTo string) schema.Activity {
	a := r.Activity(schema.Message, r.id())
	a.From = schema.ChannelAccount{ID: "29:handler-id", Name: "Hanne Handler", AadObjectID: aad}
	a.Conversation = schema.ConversationAccount{ID: channelConv + ";messageid=1700", ConversationType: "channel", TenantID: "tenant-secret-id"}
	a.Text, a.Value, a.ReplyToID = text, values, replyTo
	return a
}

// action finds the submit data of the card's button with that verb.
func action(t *testing.T, card any, verb string) map[string]any {
	t.Helper()
	for _, d := range bottest.Submits(card) {
		if d[dialogs.KeyAction] == verb {
			return d
		}
	}
	t.Fatalf("card has no %q button: %s", verb, bottest.CardText(card))
	return nil
}

func with(data map[string]any, inputs map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range data {
		out[k] = v
	}
	for k, v := range inputs {
		out[k] = v
	}
	return out
}

// receiptOf reads the receipt code shown on the receipt card.
func receiptOf(t *testing.T, card map[string]any) string {
	t.Helper()
	for _, b := range card["body"].([]any) {
		if m := b.(map[string]any); m["fontType"] == "Monospace" {
			return m["text"].(string)
		}
	}
	t.Fatal("no receipt code on the card")
	return ""
}

// fileReport runs the whole intake through the webhook and returns the
// receipt card.
func (r *rig) fileReport(t *testing.T, locale string, notify bool) bottest.Sent {
	t.Helper()
	return r.fileReportWith(t, locale, notify, map[string]any{"when": "month", "where": "event"},
		map[string]any{"often": "several", "duration": "months", "grave": "much", "who": "colleague"}, "advice,contact")
}

// fileReportWith is fileReport with chosen answers: the "what" step's
// choices, the "pattern" step's, and the wishes (comma-separated).
func (r *rig) fileReportWith(t *testing.T, locale string, notify bool, whatStep, patternStep map[string]any, wishes string) bottest.Sent {
	t.Helper()
	r.MustPost(r.reporter(locale, map[string]any{"a": "report"}, ""))
	intro := r.next(t, "intro", named("", toChat))
	r.MustPost(r.reporter(locale, action(t, bottest.CardOf(t, intro), "rnext"), "c-intro"))
	what := r.next(t, "what card", toChat)
	r.MustPost(r.reporter(locale, with(action(t, bottest.CardOf(t, what), "rnext"), with(map[string]any{"what": story}, whatStep)), "c-what"))
	r.next(t, "cleared what card", updateInChat)
	pattern := r.next(t, "pattern card", toChat)
	r.MustPost(r.reporter(locale, with(action(t, bottest.CardOf(t, pattern), "rnext"), patternStep), "c-pattern"))
	r.next(t, "cleared pattern card", updateInChat)
	wants := r.next(t, "wants card", toChat)
	r.MustPost(r.reporter(locale, with(action(t, bottest.CardOf(t, wants), "rnext"), map[string]any{"wants": wishes, "notify": map[bool]string{true: "true", false: "false"}[notify]}), "c-wants"))
	r.next(t, "cleared wants card", updateInChat)
	confirm := r.next(t, "confirm card", toChat)
	if strings.Contains(cardText(confirm), "julefrokosten") {
		t.Fatal("the summary echoed the reporter's text")
	}
	r.MustPost(r.reporter(locale, action(t, bottest.CardOf(t, confirm), "rsubmit"), "c-confirm"))
	cleared := r.next(t, "cleared confirm card", updateInChat)
	if cleared.Activity.ID != "c-confirm" || strings.Contains(cardText(cleared), "julefrokosten") {
		t.Fatalf("the confirm card was not neutralised: %q", cardText(cleared))
	}
	return r.next(t, "receipt card", toChat)
}

func (r *rig) registerInbox(t *testing.T) {
	t.Helper()
	r.MustPost(r.handler(handlerAAD, "<at>Grænsen</at> indbakke", nil, ""))
	r.next(t, "inbox registered", func(s bottest.Sent) bool {
		return s.Method == http.MethodPost && strings.HasPrefix(s.Path, "/v3/conversations/"+channelConv)
	})
}

func (r *rig) checkAllCards(t *testing.T) {
	t.Helper()
	for _, s := range r.Conn.Settle(50 * time.Millisecond) {
		if s.Method == http.MethodDelete {
			continue
		}
		if err := cardschema.Validate(bottest.CardOf(t, s)); err != nil {
			t.Fatalf("card %q invalid: %v", cardText(s), err)
		}
	}
}

// checkAnonymous dumps every key and value and the logs: no identity of
// the reporter, no report text and no receipt code in the clear.
func (r *rig) checkAnonymous(t *testing.T, extra ...string) {
	t.Helper()
	dump := redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix)
	if len(dump) == 0 {
		t.Fatal("nothing stored?")
	}
	forbidden := append(append([]string{}, secrets...), extra...)
	for k, v := range dump {
		for _, s := range forbidden {
			if strings.Contains(k, s) || strings.Contains(v, s) {
				t.Fatalf("%q found in redis key %s", s, k)
			}
		}
	}
	logs := r.Logs.String()
	for _, s := range forbidden {
		if strings.Contains(logs, s) {
			t.Fatalf("%q found in the logs", s)
		}
	}
}

func TestFullFlowInBothLanguages(t *testing.T) {
	for _, tc := range []struct{ locale, thanks, status, reply string }{
		{"da-DK", "Tak – din henvendelse er modtaget", "Din sag K-", "Tak fordi du skrev. Vil du fortælle lidt mere?"},
		{"en-US", "Thank you – your report has been received", "Your case K-", "Thank you for writing. Could you tell us a little more?"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			r := newRig(t, bottest.Options{}, nil)
			r.run(t)
			r.registerInbox(t)

			receipt := r.fileReport(t, tc.locale, true)
			rc := bottest.CardOf(t, receipt)
			if !strings.Contains(bottest.CardText(rc), tc.thanks) {
				t.Fatalf("receipt card:\n%s", bottest.CardText(rc))
			}
			code := receiptOf(t, rc)
			if len(code) != 23 || strings.ContainsAny(code, "0O1ILU") {
				t.Fatalf("receipt code %q", code)
			}

			// The inbox gets the case, once, with the answers and deadlines.
			posted := r.next(t, "inbox card", toChannel)
			text := cardText(posted)
			for _, want := range []string{story, "K-"} {
				if !strings.Contains(text, want) {
					t.Fatalf("inbox card lacks %q:\n%s", want, text)
				}
			}
			inbox := bottest.CardOf(t, posted)
			caseID := action(t, inbox, dialogs.VerbCReply)[dialogs.KeyArg].(string)

			// The receipt card can be cleared from the chat.
			r.MustPost(r.reporter(tc.locale, action(t, rc, dialogs.VerbRHide), "c-receipt"))
			if hidden := r.next(t, "receipt hidden", updateInChat); strings.Contains(cardText(hidden), code) {
				t.Fatal("the code is still on the card")
			}

			// A stranger in the channel cannot act on the case.
			r.MustPost(r.handler("aad-stranger", "", with(action(t, inbox, dialogs.VerbCReply), map[string]any{"reply": "hej"}), "bot-act-1"))
			refusal := r.next(t, "refusal", func(s bottest.Sent) bool { return strings.HasPrefix(s.Path, "/v3/conversations/"+channelConv) })
			if refusal.Method != http.MethodPost || strings.Contains(cardText(refusal), "hej") {
				t.Fatalf("stranger got %s %q", refusal.Method, cardText(refusal))
			}

			// A handler claims and answers; the inbox card is updated in place
			// and the opted-in reporter is told in their chat.
			r.MustPost(r.handler(handlerAAD, "", action(t, inbox, dialogs.VerbCClaim), "bot-act-1"))
			upd := r.next(t, "claimed card", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1")
			})
			if !strings.Contains(cardText(upd), "Hanne Handler") {
				t.Fatalf("claim not shown:\n%s", cardText(upd))
			}
			r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCReply), map[string]any{"reply": tc.reply}), "bot-act-1"))
			upd = r.next(t, "answered card", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1")
			})
			if !strings.Contains(cardText(upd), tc.reply) {
				t.Fatal("reply not on the inbox card")
			}
			note := r.next(t, "notification", named(map[string]string{"da-DK": "Enheden har svaret", "en-US": "The unit has answered"}[tc.locale], toChat))
			if strings.Contains(cardText(note), tc.reply) {
				t.Fatal("the notification must not carry the answer into the chat")
			}

			// The reporter checks with the code (any case, spaces for dashes).
			r.MustPost(r.reporter(tc.locale, map[string]any{"a": dialogs.VerbReceipt}, ""))
			entry := r.next(t, "receipt entry", toChat)
			r.MustPost(r.reporter(tc.locale, with(action(t, bottest.CardOf(t, entry), dialogs.VerbRCheck), map[string]any{"code": strings.ToLower(strings.ReplaceAll(code, "-", " "))}), "c-entry"))
			r.next(t, "cleared entry", updateInChat)
			status := r.next(t, "status card", toChat)
			st := cardText(status)
			if !strings.Contains(st, tc.status) || !strings.Contains(st, tc.reply) || strings.Contains(st, "julefrokosten") {
				t.Fatalf("status card:\n%s", st)
			}

			// The reporter answers anonymously; the inbox hears of it.
			sc := bottest.CardOf(t, status)
			r.MustPost(r.reporter(tc.locale, with(action(t, sc, dialogs.VerbRSend), map[string]any{"msg": "Det skete igen i går"}), "c-status"))
			r.next(t, "cleared status", updateInChat)
			r.next(t, "sent confirmation", toChat)
			r.next(t, "card refreshed with the answer", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1") && strings.Contains(cardText(s), "Det skete igen i går")
			})
			r.next(t, "thread notice", func(s bottest.Sent) bool {
				return s.Method == http.MethodPost && s.Path == "/v3/conversations/"+channelConv+";messageid=bot-act-1/activities"
			})

			r.checkAnonymous(t, story, code, strings.ReplaceAll(code, "-", ""), "Det skete igen", tc.reply)

			// Closing deletes the notification link; retention deletes the rest.
			r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCStatus), map[string]any{"status": "closed"}), "bot-act-1"))
			r.next(t, "closed card", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1")
			})
			dump := redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix)
			if _, ok := dump[r.Store.Key("report", caseID, "ref")]; ok {
				t.Fatal("notification link kept after close")
			}
			if _, ok := dump[r.Store.Key("report", caseID)]; !ok {
				t.Fatal("closed case deleted too early")
			}
			runner := &schedule.Runner{Store: r.Store, Handlers: r.svc.Handlers(), Now: func() time.Time { return time.Now().Add(91 * 24 * time.Hour) }}
			if n := runner.Tick(context.Background()); n != 1 {
				t.Fatalf("scheduler ran %d items, want the purge only (reminders were cancelled at close)", n)
			}
			r.next(t, "inbox card deleted", func(s bottest.Sent) bool { return s.Method == http.MethodDelete })
			for k := range redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix) {
				if strings.Contains(k, ":report:") || strings.Contains(k, ":receipt:") || strings.Contains(k, ":sched") {
					t.Fatalf("left after purge: %s", k)
				}
			}
			// The receipt no longer opens anything.
			r.MustPost(r.reporter(tc.locale, with(action(t, bottest.CardOf(t, entry), dialogs.VerbRCheck), map[string]any{"code": code}), ""))
			r.next(t, "not found", named(map[string]string{"da-DK": "kan ikke finde", "en-US": "cannot find"}[tc.locale], toChat))
			r.checkAllCards(t)
		})
	}
}

func TestWithoutNotificationNothingLinksTheCase(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.fileReport(t, "da-DK", false)
	dump := redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix)
	for k := range dump {
		if strings.HasSuffix(k, ":ref") && strings.Contains(k, ":report:") {
			t.Fatalf("a notification link was stored without consent: %s", k)
		}
	}
	r.checkAnonymous(t, story)
	// No inbox registered yet: the case waits, and is posted once it is.
	time.Sleep(200 * time.Millisecond)
	r.registerInbox(t)
	r.next(t, "inbox card after registration", toChannel)
	r.checkAllCards(t)
}

func TestReceiptGuessingIsLimited(t *testing.T) {
	r := newRig(t, bottest.Options{}, func(s *report.Service) { s.Limits.GuessesPerHour = 5 })
	receipt := r.fileReport(t, "da-DK", false)
	code := receiptOf(t, bottest.CardOf(t, receipt))
	guess := func(c string) string {
		r.MustPost(r.reporter("da-DK", map[string]any{"a": dialogs.VerbRCheck, "code": c}, ""))
		return cardText(r.next(t, "answer to a guess", func(s bottest.Sent) bool { return toChat(s) }))
	}
	for i := range 5 {
		wrong := []byte(strings.ReplaceAll(code, "-", ""))
		if wrong[i] == '2' {
			wrong[i] = '3'
		} else {
			wrong[i] = '2'
		}
		if got := guess(string(wrong)); !strings.Contains(got, "kan ikke finde") {
			t.Fatalf("guess %d: %s", i, got)
		}
	}
	// Now even the right code is refused for a while.
	if got := guess(code); !strings.Contains(got, "for mange") {
		t.Fatalf("after 5 wrong guesses: %s", got)
	}
	// Another user is not blocked by this one's guesses.
	a := r.reporter("da-DK", map[string]any{"a": dialogs.VerbRCheck, "code": code}, "")
	a.From = schema.ChannelAccount{ID: "29:other", AadObjectID: "aad-other"}
	a.Conversation.ID = "a:other-conv"
	r.MustPost(a)
	r.next(t, "status for the other user", func(s bottest.Sent) bool {
		return strings.Contains(s.Path, "/a:other-conv/") && strings.Contains(cardText(s), "Din sag")
	})
	r.checkAnonymous(t)
}

func TestFilingIsRateLimitedPerUser(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	for range 3 {
		if !strings.Contains(cardText(r.fileReport(t, "en-US", false)), "Thank you") {
			t.Fatal("report refused under the limit")
		}
	}
	if got := cardText(r.fileReport(t, "en-US", false)); !strings.Contains(got, "several reports today") {
		t.Fatalf("fourth report the same day: %s", got)
	}
	n := 0
	for k := range redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix) {
		if strings.HasPrefix(k, r.Store.Key("report", "")) && strings.Count(k[len(r.Prefix):], ":") == 1 {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d cases stored, want 3", n)
	}
	r.checkAnonymous(t, story)
	r.checkAllCards(t)
}

func TestTwoReplicasPostEachReportOnce(t *testing.T) {
	many := func(s *report.Service) { s.Limits.FilesPerUserDay = 100 }
	r1 := newRig(t, bottest.Options{}, many)
	r2 := newRig(t, bottest.Options{Store: r1.Store}, many)
	r1.registerInbox(t)
	const reports = 6
	for i := range reports {
		r := r1
		if i%2 == 1 {
			r = r2
		}
		r.fileReport(t, "da-DK", false)
	}
	// A replica that took an item and died: its item must be taken over.
	rdb := r1.Store.Client()
	ctx := context.Background()
	if err := rdb.XGroupCreateMkStream(ctx, r1.Store.Key("inboxq"), "inbox", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "inbox", Consumer: "dead", Streams: []string{r1.Store.Key("inboxq"), ">"}, Count: 1, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}
	r1.run(t)
	r2.run(t)
	deadline := time.Now().Add(10 * time.Second)
	var posts []bottest.Sent
	for time.Now().Before(deadline) {
		posts = posts[:0]
		for _, s := range r1.Conn.Settle(20 * time.Millisecond) {
			if toChannel(s) {
				posts = append(posts, s)
			}
		}
		if len(posts) >= reports {
			break
		}
	}
	time.Sleep(time.Second) // give a duplicate every chance to appear
	posts = posts[:0]
	cases := map[string]int{}
	for _, s := range r1.Conn.Settle(0) {
		if toChannel(s) {
			posts = append(posts, s)
			cases[action(t, bottest.CardOf(t, s), dialogs.VerbCReply)[dialogs.KeyArg].(string)]++
		}
	}
	if len(posts) != reports || len(cases) != reports {
		t.Fatalf("%d posts for %d cases, want %d each: %v", len(posts), len(cases), reports, cases)
	}
	if n := rdb.XLen(ctx, r1.Store.Key("inboxq")).Val(); n != 0 {
		t.Fatalf("%d items left in the inbox queue", n)
	}
	r1.checkAnonymous(t, story)
}

func TestDeadlineRemindersGoToTheInbox(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.registerInbox(t)
	r.fileReport(t, "da-DK", false)
	inbox := bottest.CardOf(t, r.next(t, "inbox card", toChannel))
	thread := func(s bottest.Sent) bool {
		return s.Method == http.MethodPost && s.Path == "/v3/conversations/"+channelConv+";messageid=bot-act-1/activities"
	}
	at := func(d time.Duration) *schedule.Runner {
		return &schedule.Runner{Store: r.Store, Handlers: r.svc.Handlers(), Now: func() time.Time { return time.Now().Add(d) }}
	}
	// Five days on, the 7-day acknowledgement is due soon: the inbox is told.
	if n := at(6 * 24 * time.Hour).Tick(context.Background()); n != 1 {
		t.Fatalf("%d items due after 6 days, want the acknowledgement reminder", n)
	}
	if txt := cardText(r.next(t, "ack reminder", thread)); !strings.Contains(txt, "skal kvitteres senest") {
		t.Fatalf("reminder: %s", txt)
	}
	// Acknowledged, but no answer to the reporter yet: the 3-month feedback
	// reminder still comes, two weeks before.
	r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCStatus), map[string]any{"status": "ack"}), "bot-act-1"))
	r.next(t, "acknowledged card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
	if n := at(80 * 24 * time.Hour).Tick(context.Background()); n != 1 {
		t.Fatalf("%d items due after 80 days, want the feedback reminder", n)
	}
	if txt := cardText(r.next(t, "feedback reminder", thread)); !strings.Contains(txt, "tilbagemelding senest") {
		t.Fatalf("reminder: %s", txt)
	}
	if n := at(400 * 24 * time.Hour).Tick(context.Background()); n != 0 {
		t.Fatalf("%d more items ran; an open case is never purged", n)
	}
	r.checkAllCards(t)
}

func TestAnswerNeedsALiveSession(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	code := receiptOf(t, bottest.CardOf(t, r.fileReport(t, "en-US", false)))
	r.MustPost(r.reporter("en-US", map[string]any{"a": dialogs.VerbRCheck, "code": code}, ""))
	sc := bottest.CardOf(t, r.next(t, "status card", named("Your case", toChat)))
	send := action(t, sc, dialogs.VerbRSend)
	// A forged token opens nothing.
	r.MustPost(r.reporter("en-US", with(send, map[string]any{"v": "forged", "msg": "hello"}), ""))
	r.next(t, "expired", named("has expired", toChat))
	// Once the session is gone (it expires within two hours), neither does the real one.
	ctx := context.Background()
	for k := range redistest.Dump(ctx, t, r.Store.Client(), r.Prefix) {
		if strings.Contains(k, ":rsess:") {
			if ttl := r.Store.Client().PTTL(ctx, k).Val(); ttl <= 0 || ttl > 2*time.Hour {
				t.Fatalf("session ttl %v", ttl)
			}
			r.Store.Client().Del(ctx, k)
		}
	}
	r.MustPost(r.reporter("en-US", with(send, map[string]any{"msg": "hello"}), ""))
	r.next(t, "expired", named("has expired", toChat))
	r.checkAnonymous(t, "hello")
	r.checkAllCards(t)
}

func TestEveryReportCardRendersInBothLanguages(t *testing.T) {
	r := cards.New(locales.MustBundle())
	r.Missing = func(id string) { t.Errorf("message %q missing", id) }
	v := dialogs.CaseView{ID: "ABCD2345", Filed: "2026-03-02", Status: dialogs.StatusProgress, AckDue: "2026-03-09", FeedbackDue: "2026-06-02",
		Answers:   dialogs.ReportAnswers{What: "x", When: "week", Where: "online", Often: "once", Duration: "short", Grave: "little", Who: "another", Wants: []string{"tell", "psych", "investigate", "mediation"}},
		ClaimedBy: "H", Notify: true,
		Msgs:  []dialogs.CaseMsg{{FromUnit: true, Date: "2026-03-03", Text: "a", By: "H"}, {Date: "2026-03-04", Text: "b"}},
		Notes: []dialogs.CaseNote{{Date: "2026-03-03", Text: "n", By: "H"}}}
	closed := v
	closed.Status, closed.ClaimedBy, closed.Msgs = dialogs.StatusClosed, "", nil
	all := []dialogs.Card{
		dialogs.ReceiptCard(v.ID, "ABCDEFGHJKMNPQRSTVWX", true), dialogs.ReceiptCard(v.ID, "ABCDEFGHJKMNPQRSTVWX", false),
		dialogs.ReceiptStatusCard(v, "tok"), dialogs.ReceiptStatusCard(closed, "tok"),
		dialogs.ReceiptEntryCard(""), dialogs.ReceiptEntryCard("report.receipt.malformed"),
		dialogs.NotifyCard(), dialogs.InboxCard(v), dialogs.InboxCard(closed),
		dialogs.InboxEventCard("a", "report.inbox.newInfo", v), dialogs.InboxEventCard("b", "report.inbox.ackReminder", v),
		dialogs.InboxEventCard("c", "report.inbox.feedbackReminder", v),
	}
	for name, id := range map[string]string{"report-limited": "report.limit.file", "receipt-limited": "report.receipt.limited",
		"receipt-notfound": "report.receipt.notfound", "receipt-expired": "report.receipt.expired", "reporter-sent": "report.status.sent",
		"reporter-closed": "report.status.closedText", "inbox-registered": "report.inbox.registered", "inbox-gone": "report.inbox.gone"} {
		all = append(all, dialogs.ReportNotice(name, id))
	}
	for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		for _, c := range all {
			if err := cardschema.Validate(r.Card(lang, c)); err != nil {
				t.Fatalf("%s (%s): %v", c.Name, lang, err)
			}
		}
	}
}
