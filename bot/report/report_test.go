package report_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
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
	// Releases every hour: none comes by itself during a test; tests
	// release explicitly (rig.release) or set a shorter interval.
	if o.Engine.Release.Every == 0 && o.Engine.Release.Clocks == nil {
		o.Engine.Release = dialogs.MustRelease("1h")
	}
	more := o.Effects // further effects the test brings (statistics)
	o.Effects = func(h *bottest.Harness) []effect.Func {
		r.svc = report.New(h.Store, h.Keys, h.Hasher, slog.New(slog.NewJSONHandler(h.Logs, nil)))
		r.svc.Send = h.Send
		r.svc.ClaimIdle, r.svc.Block = 300*time.Millisecond, 100*time.Millisecond
		r.svc.Release = o.Engine.Release
		if tune != nil {
			tune(r.svc)
		}
		effects := []effect.Func{r.svc.Effect}
		if more != nil {
			effects = append(effects, more(h)...)
		}
		return effects
	}
	r.Harness = bottest.New(t, o)
	return r
}

// run starts the inbox worker until the test ends.
func (r *rig) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.svc.RunInbox(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// release runs the next release now, through the shared scheduler as in
// production (the release is the due item), and fails if none was
// scheduled: something must be waiting for it.
func (r *rig) release(t *testing.T) {
	t.Helper()
	at := r.svc.Release.Next(time.Now())
	runner := &schedule.Runner{Store: r.Store, Handlers: r.svc.Handlers(), Now: func() time.Time { return at }}
	if n := runner.Tick(context.Background()); n == 0 {
		t.Fatal("no release was scheduled")
	}
}

func (r *rig) id() string {
	r.n++
	return "act-" + time.Now().Format("150405.000000") + "-" + string(rune('a'+r.n%26))
}

// next waits for a not yet consumed send matching pred.
func (r *rig) next(t *testing.T, what string, pred func(bottest.Sent) bool) bottest.Sent {
	t.Helper()
	at := -1
	sent, ok := r.Conn.Until(20*time.Second, func(got []bottest.Sent) bool {
		for i, s := range got {
			if !r.seen[i] && pred(s) {
				at = i
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no %s arrived", what)
	}
	r.seen[at] = true
	return sent[at]
}

// noneYet fails if a not yet consumed send matches pred (something that
// must wait for a release came early).
func (r *rig) noneYet(t *testing.T, what string, pred func(bottest.Sent) bool) {
	t.Helper()
	for i, s := range r.Conn.Settle(50 * time.Millisecond) {
		if !r.seen[i] && pred(s) {
			t.Fatalf("%s arrived before the release", what)
		}
	}
}

// inboxCard waits for the next case card in the inbox and for the worker
// to have recorded it as posted, and returns the card: see posted.
func (r *rig) inboxCard(t *testing.T) map[string]any {
	t.Helper()
	return r.posted(t, r.next(t, "inbox card", toChannel))
}

// posted waits until the inbox worker has recorded the case card s as
// posted (the card's Teams id, stored just after Teams answered the post,
// and the posting lease gone) and returns the card. A handler acts on a
// card once it is there: before, an action on the case finds no card to
// update.
func (r *rig) posted(t *testing.T, s bottest.Sent) map[string]any {
	t.Helper()
	card := bottest.CardOf(t, s)
	id := action(t, card, dialogs.VerbCaseReply)[dialogs.KeyArg].(string)
	ctx := context.Background()
	for deadline := time.Now().Add(8 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		posted, _ := r.Store.Exists(ctx, r.Store.PostedKey(id))
		locked, _ := r.Store.Exists(ctx, r.Store.LockKey(id))
		if posted && !locked {
			return card
		}
		if time.Now().After(deadline) {
			t.Fatal("the inbox worker never recorded the posted card")
		}
	}
}

// waitTriedWithoutInbox waits until the inbox worker has taken the one
// released item and tried it: it stays pending and the worker took it
// again (reread or claimed it), which it does only after its first try
// returned. No inbox is registered, so that try found none.
func (r *rig) waitTriedWithoutInbox(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	args := &redis.XPendingExtArgs{Stream: r.Store.InboxQueue(), Group: "inbox", Start: "-", End: "+", Count: 10} // the worker's consumer group
	var pending []redis.XPendingExt
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		pending, _ = r.Store.Client().XPendingExt(ctx, args).Result()
		if len(pending) == 1 && pending[0].RetryCount >= 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inbox worker never tried the released case: pending %+v", pending)
		}
	}
}

// cases counts the cases stored.
func (r *rig) cases(t *testing.T) int {
	n := 0
	for k := range redistest.Dump(context.Background(), t, r.Store.Client(), r.Prefix) {
		if strings.HasPrefix(k, r.Store.Key("report", "")) && strings.Count(k[len(r.Prefix):], ":") == 1 {
			n++
		}
	}
	return n
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
	a.ChannelData = teamChannelData(channelConv) // a team channel, as Teams sends it (inboxrules_test.go)
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

// dialog posts a dialog invoke from the reporter's chat and checks the
// answer: a window card valid against the Adaptive Card 1.5 schema.
func (r *rig) dialog(t *testing.T, locale, name string, data map[string]any) bottest.Dialog {
	t.Helper()
	a := r.DialogInvoke(r.id(), name, data)
	a.Locale = locale
	d := r.PostDialog(t, a)
	if d.Card != nil {
		if err := cardschema.Validate(d.Card); err != nil {
			t.Fatalf("dialog card invalid: %v\n%s", err, d.Raw)
		}
	}
	return d
}

// press presses a button of the dialog's card (task/submit) with inputs.
func (r *rig) press(t *testing.T, locale string, d bottest.Dialog, verb string, inputs map[string]any) bottest.Dialog {
	t.Helper()
	if d.Card == nil {
		t.Fatalf("no card in the dialog to press %q on: %s", verb, d.Raw)
	}
	return r.dialog(t, locale, "task/submit", with(action(t, d.Card, verb), inputs))
}

// want checks that a dialog shows a card containing every text.
func wantDialog(t *testing.T, d bottest.Dialog, texts ...string) {
	t.Helper()
	if d.Type != "continue" {
		t.Fatalf("dialog answered %q, want a card: %s", d.Type, d.Raw)
	}
	txt := bottest.CardText(d.Card)
	for _, s := range texts {
		if !strings.Contains(txt, s) {
			t.Fatalf("dialog card lacks %q:\n%s", s, txt)
		}
	}
}

// fileReport runs the whole form through task/fetch and task/submit
// invokes and returns the window showing the receipt (or a refusal).
func (r *rig) fileReport(t *testing.T, locale string, notify bool) bottest.Dialog {
	t.Helper()
	return r.press(t, locale, r.toConfirm(t, locale, notify), "report-submit", nil)
}

// toConfirm runs the form in the dialog window up to its confirmation step.
func (r *rig) toConfirm(t *testing.T, locale string, notify bool) bottest.Dialog {
	t.Helper()
	return r.toConfirmWith(t, locale, notify, map[string]any{"when": "month", "where": "event"},
		map[string]any{"often": "several", "duration": "months", "grave": "much", "affect": "some", "who": "colleague"}, "advice,mediation")
}

// fileReportWith is fileReport with chosen answers: the "what" step's
// choices, the "pattern" step's, and the wishes (comma-separated).
func (r *rig) fileReportWith(t *testing.T, locale string, notify bool, whatStep, patternStep map[string]any, wishes string) bottest.Dialog {
	t.Helper()
	return r.press(t, locale, r.toConfirmWith(t, locale, notify, whatStep, patternStep, wishes), "report-submit", nil)
}

// toConfirmWith is toConfirm with chosen answers.
func (r *rig) toConfirmWith(t *testing.T, locale string, notify bool, whatStep, patternStep map[string]any, wishes string) bottest.Dialog {
	t.Helper()
	d := r.dialog(t, locale, "task/fetch", map[string]any{"a": dialogs.VerbReport, "msteams": map[string]any{"type": "task/fetch"}})
	if d.Size != [2]string{"large", "large"} {
		t.Fatalf("form window size %v", d.Size)
	}
	d = r.press(t, locale, d, "report-next", nil)
	d = r.press(t, locale, d, "report-next", with(map[string]any{"what": story}, whatStep))
	d = r.press(t, locale, d, "report-next", patternStep)
	d = r.press(t, locale, d, "report-next", map[string]any{"wants": wishes, "notify": map[bool]string{true: "true", false: "false"}[notify]})
	if strings.Contains(bottest.CardText(d.Card), "julefrokosten") {
		t.Fatal("the summary echoed the reporter's text")
	}
	return d
}

// chatSends is everything the bot sent to the reporter's own chat.
func (r *rig) chatSends() []bottest.Sent {
	var out []bottest.Sent
	for _, s := range r.Conn.Settle(50 * time.Millisecond) {
		if strings.Contains(s.Path, "/a:conv-secret-id") {
			out = append(out, s)
		}
	}
	return out
}

// checkChatClean fails when anything sent to the reporter's chat (a new
// message or an update) carries one of the forbidden strings: the case
// number, the receipt code, what the reporter typed or the unit answered.
func (r *rig) checkChatClean(t *testing.T, forbidden ...string) {
	t.Helper()
	for _, s := range r.chatSends() {
		b, _ := json.Marshal(s.Activity)
		for _, f := range forbidden {
			if f != "" && strings.Contains(string(b), f) {
				t.Fatalf("%q reached the reporter's chat: %s %s", f, s.Method, b)
			}
		}
	}
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
	for _, tc := range []struct{ locale, thanks, status, reply, notice, sent, notFound string }{
		{"da-DK", "Tak – din henvendelse er modtaget", "Din sag K-", "Tak fordi du skrev. Vil du fortælle lidt mere?", "Der er nyt til dig", "din besked er sendt", "kan ikke finde"},
		{"en-US", "Thank you – your report has been received", "Your case K-", "Thank you for writing. Could you tell us a little more?", "something new for you", "your message has been sent", "cannot find"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			r := newRig(t, bottest.Options{}, nil)
			r.run(t)
			r.registerInbox(t)

			// The whole form runs in the dialog window; the receipt comes
			// back in the invoke's body, never as a chat message.
			receipt := r.fileReport(t, tc.locale, true)
			wantDialog(t, receipt, tc.thanks)
			code := receiptOf(t, receipt.Card)
			if len(code) != 23 || strings.ContainsAny(code, "0O1ILU") {
				t.Fatalf("receipt code %q", code)
			}
			if sends := r.chatSends(); len(sends) != 0 {
				t.Fatalf("filing posted %d messages in the reporter's chat", len(sends))
			}
			// "I have written it down" closes the window without a word.
			if closed := r.press(t, tc.locale, receipt, dialogs.VerbDialogClose, nil); closed.Type != "" || len(closed.Raw) != 0 {
				t.Fatalf("close answered %s", closed.Raw)
			}

			// The inbox gets the case at the release, once, with the answers and deadlines.
			r.release(t)
			posted := r.next(t, "inbox card", toChannel)
			text := cardText(posted)
			// (The inbox speaks the language it was registered in: Danish.)
			for _, want := range []string{story, "K-", "Melderen ønsker"} {
				if !strings.Contains(text, want) {
					t.Fatalf("inbox card lacks %q:\n%s", want, text)
				}
			}
			inbox := r.posted(t, posted)
			caseID := action(t, inbox, dialogs.VerbCaseReply)[dialogs.KeyArg].(string)
			caseNo := dialogs.CaseNo(caseID)
			if !strings.Contains(bottest.CardText(receipt.Card), caseNo) {
				t.Fatalf("the receipt window does not name case %s", caseNo)
			}

			// A stranger in the channel cannot act on the case.
			r.MustPost(r.handler("aad-stranger", "", with(action(t, inbox, dialogs.VerbCaseReply), map[string]any{"reply": "hej"}), "bot-act-1"))
			refusal := r.next(t, "refusal", func(s bottest.Sent) bool { return strings.HasPrefix(s.Path, "/v3/conversations/"+channelConv) })
			if refusal.Method != http.MethodPost || strings.Contains(cardText(refusal), "hej") {
				t.Fatalf("stranger got %s %q", refusal.Method, cardText(refusal))
			}

			// A handler claims and answers; the inbox card is updated in place
			// and the opted-in reporter gets a neutral notice in their chat.
			r.MustPost(r.handler(handlerAAD, "", action(t, inbox, dialogs.VerbCaseClaim), "bot-act-1"))
			upd := r.next(t, "claimed card", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1")
			})
			if !strings.Contains(cardText(upd), "Hanne Handler") {
				t.Fatalf("claim not shown:\n%s", cardText(upd))
			}
			r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseReply), map[string]any{"reply": tc.reply}), "bot-act-1"))
			upd = r.next(t, "answered card", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1")
			})
			if !strings.Contains(cardText(upd), tc.reply) {
				t.Fatal("reply not on the inbox card")
			}
			r.noneYet(t, "the notification", named(tc.notice, toChat))
			r.release(t) // the reporter is told at the release
			note := r.next(t, "notification", named(tc.notice, toChat))
			nc := bottest.CardOf(t, note)
			if err := cardschema.Validate(nc); err != nil {
				t.Fatalf("notice card: %v", err)
			}
			open := action(t, nc, dialogs.VerbReceipt)
			if m, _ := open["msteams"].(map[string]any); m["type"] != "task/fetch" {
				t.Fatalf("the notice's button does not open the dialog: %v", open)
			}

			// The reporter opens "My receipt" (in the window) and enters the
			// code (any case, spaces for dashes): status, dates and the answer.
			entry := r.dialog(t, tc.locale, "task/fetch", open)
			status := r.press(t, tc.locale, entry, dialogs.VerbReceiptCheck, map[string]any{"code": strings.ToLower(strings.ReplaceAll(code, "-", " "))})
			wantDialog(t, status, tc.status, tc.reply, dialogs.ReportDate(time.Now()))
			if strings.Contains(bottest.CardText(status.Card), "julefrokosten") {
				t.Fatal("the case view echoes the reporter's story")
			}

			// The reporter answers anonymously; the window says it was sent
			// and closes; the inbox hears of it.
			sent := r.press(t, tc.locale, status, dialogs.VerbReceiptMessage, map[string]any{"msg": "Det skete igen i går"})
			// The window says it was sent and when the unit will see it.
			wantDialog(t, sent, tc.sent)
			r.noneYet(t, "the reporter's message", func(s bottest.Sent) bool { return strings.Contains(cardText(s), "Det skete igen i går") })
			r.release(t)
			r.next(t, "card refreshed with the answer", func(s bottest.Sent) bool {
				return s.Method == http.MethodPut && strings.Contains(s.Path, "/activities/bot-act-1") && strings.Contains(cardText(s), "Det skete igen i går")
			})
			r.next(t, "thread notice", func(s bottest.Sent) bool {
				return s.Method == http.MethodPost && s.Path == "/v3/conversations/"+channelConv+";messageid=bot-act-1/activities"
			})

			// In all of this, the reporter's chat got one neutral notice:
			// no case number, no code, nothing either side wrote.
			if sends := r.chatSends(); len(sends) != 1 {
				t.Fatalf("%d sends to the reporter's chat, want the one notice", len(sends))
			}
			r.checkChatClean(t, caseNo, caseID, code, strings.ReplaceAll(code, "-", ""), story, "julefrokosten", tc.reply, "Det skete igen")
			// The Teams id of the posted card ("bot-act-1" here) carries a time: sealed.
			r.checkAnonymous(t, story, code, strings.ReplaceAll(code, "-", ""), "Det skete igen", tc.reply, "bot-act-1")

			// Closing deletes the notification link; retention deletes the rest.
			r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseStatus), map[string]any{"status": "closed"}), "bot-act-1"))
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
			wantDialog(t, r.press(t, tc.locale, entry, dialogs.VerbReceiptCheck, map[string]any{"code": code}), tc.notFound)
			r.checkChatClean(t, caseNo, code, story, tc.reply)
			r.checkAllCards(t)
		})
	}
}

// TestTypedTextArrivesInert: what either side types reaches the other as
// plain text, in a TextRun (no markdown), with addresses defanged and no
// mention: in the inbox card the unit sees and in the case view the
// reporter sees.
func TestTypedTextArrivesInert(t *testing.T) {
	const hostile = "Se [her](http://evil.example/login) og **fed** <at>Hanne Handler</at> https://evil.example/x www.evil.example"
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.registerInbox(t)
	d := r.dialog(t, "da-DK", "task/fetch", map[string]any{"a": dialogs.VerbReport})
	d = r.press(t, "da-DK", d, "report-next", nil)
	d = r.press(t, "da-DK", d, "report-next", map[string]any{"what": hostile})
	for range 2 {
		d = r.press(t, "da-DK", d, "report-next", nil)
	}
	code := receiptOf(t, r.press(t, "da-DK", d, "report-submit", nil).Card)
	r.release(t)
	inbox := r.inboxCard(t)
	checkInert(t, "the inbox card", inbox, "Se [her]", 1)

	r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseReply), map[string]any{"reply": "Svar: " + hostile}), "bot-act-1"))
	r.next(t, "answered card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
	entry := r.dialog(t, "da-DK", "task/fetch", map[string]any{"a": dialogs.VerbReceipt})
	status := r.press(t, "da-DK", entry, dialogs.VerbReceiptCheck, map[string]any{"code": code})
	checkInert(t, "the reporter's case view", status.Card, "Svar: Se [her]", 1)

	r.press(t, "da-DK", status, dialogs.VerbReceiptMessage, map[string]any{"msg": "Tilbage: " + hostile})
	r.release(t)
	upd := r.next(t, "card with the reporter's answer", func(s bottest.Sent) bool {
		return s.Method == http.MethodPut && strings.Contains(cardText(s), "Tilbage: ")
	})
	checkInert(t, "the inbox card after the answer", bottest.CardOf(t, upd), "Tilbage: Se [her]", 1)
	r.checkChatClean(t, code, "evil", "Hanne Handler</at>")
}

// checkInert finds the typed text (starting with prefix) in the card: it
// must be in TextRuns only, literally (markdown not applied, so the
// brackets and stars are still there), with no live address and no
// mention tag, and the card must carry no mention entity.
func checkInert(t *testing.T, where string, card map[string]any, prefix string, atLeast int) {
	t.Helper()
	if err := cardschema.Validate(card); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	n := 0
	for _, el := range bottest.Elements(card) {
		txt, _ := el["text"].(string)
		if !strings.Contains(txt, "evil") {
			continue
		}
		if el["type"] != "TextRun" {
			t.Fatalf("%s: typed text in a %v, not a TextRun: %q", where, el["type"], txt)
		}
		for _, live := range []string{"http://", "https://", "evil.example", "<at>", "</at>"} {
			if strings.Contains(txt, live) {
				t.Fatalf("%s: %q is live in %q", where, live, txt)
			}
		}
		for _, kept := range []string{"**fed**", "[her](", "evil[.]example", "Hanne Handler"} {
			if !strings.Contains(txt, kept) {
				t.Fatalf("%s: %q not shown literally in %q", where, kept, txt)
			}
		}
		if strings.Contains(txt, prefix) {
			n++
		}
	}
	if n < atLeast {
		t.Fatalf("%s: the typed text (%q…) is not on the card:\n%s", where, prefix, bottest.CardText(card))
	}
	if _, ok := card["msteams"]; ok {
		t.Fatalf("%s: the card carries msteams entities", where)
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
	// No inbox registered yet: the released case waits, and is posted once it is.
	r.release(t)
	r.waitTriedWithoutInbox(t)
	r.registerInbox(t)
	r.next(t, "inbox card after registration", toChannel)
	r.checkAllCards(t)
}

func TestReceiptGuessingIsLimited(t *testing.T) {
	r := newRig(t, bottest.Options{}, func(s *report.Service) { s.Limits.GuessesPerHour = 5 })
	receipt := r.fileReport(t, "da-DK", false)
	code := receiptOf(t, receipt.Card)
	guess := func(c string) string {
		return bottest.CardText(r.dialog(t, "da-DK", "task/submit", map[string]any{"a": dialogs.VerbReceiptCheck, "code": c}).Card)
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
	a := r.DialogInvoke(r.id(), "task/submit", map[string]any{"a": dialogs.VerbReceiptCheck, "code": code})
	a.From = schema.ChannelAccount{ID: "29:other", AadObjectID: "aad-other"}
	a.Conversation.ID = "a:other-conv"
	wantDialog(t, r.PostDialog(t, a), "Din sag")
	if sends := r.Conn.Settle(50 * time.Millisecond); len(sends) != 0 {
		t.Fatalf("receipt checks posted %d messages", len(sends))
	}
	r.checkAnonymous(t)
}

func TestFilingIsRateLimitedPerUser(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	for range 3 {
		if !strings.Contains(bottest.CardText(r.fileReport(t, "en-US", false).Card), "Thank you") {
			t.Fatal("report refused under the limit")
		}
	}
	if got := bottest.CardText(r.fileReport(t, "en-US", false).Card); !strings.Contains(got, "several reports today") {
		t.Fatalf("fourth report the same day: %s", got)
	}
	if n := r.cases(t); n != 3 {
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
	r2.release(t)
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
	r1.Conn.Until(10*time.Second, func(got []bottest.Sent) bool {
		n := 0
		for _, s := range got {
			if toChannel(s) {
				n++
			}
		}
		return n >= reports
	})
	time.Sleep(time.Second) // give a duplicate every chance to appear
	var posts []bottest.Sent
	cases := map[string]int{}
	for _, s := range r1.Conn.Settle(0) {
		if toChannel(s) {
			posts = append(posts, s)
			cases[action(t, bottest.CardOf(t, s), dialogs.VerbCaseReply)[dialogs.KeyArg].(string)]++
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
	r.release(t)
	// The worker records the posted card's id just after Teams answered
	// the post: wait for it (and its lease to go) before the deadlines run.
	inbox := r.inboxCard(t)
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
	r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseStatus), map[string]any{"status": "ack"}), "bot-act-1"))
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
	code := receiptOf(t, r.fileReport(t, "en-US", false).Card)
	status := r.dialog(t, "en-US", "task/submit", map[string]any{"a": dialogs.VerbReceiptCheck, "code": code})
	wantDialog(t, status, "Your case")
	send := action(t, status.Card, dialogs.VerbReceiptMessage)
	// A forged token opens nothing.
	wantDialog(t, r.dialog(t, "en-US", "task/submit", with(send, map[string]any{"v": "forged", "msg": "hello"})), "has expired")
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
	wantDialog(t, r.dialog(t, "en-US", "task/submit", with(send, map[string]any{"msg": "hello"})), "has expired")
	r.checkAnonymous(t, "hello")
	r.checkAllCards(t)
}

func TestEveryReportCardRendersInBothLanguages(t *testing.T) {
	r := cards.New(locales.MustBundle())
	r.Missing = func(id string) { t.Errorf("message %q missing", id) }
	v := dialogs.CaseView{ID: "ABCD2345", Filed: "2026-03-02", Status: dialogs.StatusProgress, AckDue: "2026-03-09", FeedbackDue: "2026-06-02",
		Answers:   dialogs.ReportAnswers{What: "x", When: "week", Where: "online", Often: "once", Duration: "short", Grave: "little", Affect: "much", Who: "another", Wants: []string{"tell", "psych", "investigate", "mediation", "contact"}},
		ClaimedBy: "H", Notify: true,
		Msgs:  []dialogs.CaseMsg{{FromUnit: true, Date: "2026-03-03", Text: "a", By: "H"}, {Date: "2026-03-04", Text: "b"}},
		Notes: []dialogs.CaseNote{{Date: "2026-03-03", Text: "n", By: "H"}}}
	closed := v
	closed.Status, closed.ClaimedBy, closed.Msgs = dialogs.StatusClosed, "", nil
	all := []dialogs.Card{
		dialogs.ReceiptCard(v.ID, "ABCDEFGHJKMNPQRSTVWX", true), dialogs.ReceiptCard(v.ID, "ABCDEFGHJKMNPQRSTVWX", false),
		dialogs.ReceiptStatusCard(v, "tok"), dialogs.ReceiptStatusCard(closed, "tok"),
		dialogs.ReceiptEntryCard(""), dialogs.ReceiptEntryCard("report.receipt.malformed"),
		dialogs.NotifyCard(), dialogs.InboxCard(v), dialogs.InboxCard(closed), dialogs.LauncherCard(),
		dialogs.InboxEventCard("a", "report.inbox.newInfo", v), dialogs.InboxEventCard("b", "report.inbox.ackReminder", v),
		dialogs.InboxEventCard("c", "report.inbox.feedbackReminder", v),
		dialogs.WithReleaseChoice(dialogs.ReceiptStatusCard(v, "tok"), time.Now()),
		dialogs.WithReleaseNote(dialogs.ReportNotice("reporter-sent", "report.status.sent"), time.Now()),
		dialogs.WithReleaseNote(dialogs.ReceiptCard(v.ID, "ABCDEFGHJKMNPQRSTVWX", true), time.Time{}),
	}
	for name, id := range map[string]string{"report-limited": "report.limit.file", "receipt-limited": "report.receipt.limited",
		"receipt-notfound": "report.receipt.notfound", "receipt-expired": "report.receipt.expired", "reporter-sent": "report.status.sent",
		"reporter-closed": "report.status.closedText", "inbox-registered": "report.inbox.registered", "inbox-gone": "report.inbox.gone"} {
		all = append(all, dialogs.ReportNotice(name, id))
	}
	for lang, wishes := range map[dialogs.Lang]string{dialogs.Danish: "Melderen ønsker", dialogs.English: "The reporter wishes"} {
		if txt := bottest.CardText(r.Card(lang, dialogs.InboxCard(v))); !strings.Contains(txt, wishes) || strings.Contains(txt, map[dialogs.Lang]string{dialogs.Danish: "Du ønsker", dialogs.English: "You would like"}[lang]) {
			t.Fatalf("the inbox card (%s) does not label the reporter's wishes %q:\n%s", lang, wishes, txt)
		}
		for _, c := range all {
			if err := cardschema.Validate(r.Card(lang, c)); err != nil {
				t.Fatalf("%s (%s): %v", c.Name, lang, err)
			}
		}
	}
}
