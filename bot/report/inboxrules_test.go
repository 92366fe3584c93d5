package report_test

// Inbox rules and limits (issue 12, D and F), through the webhook.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/bottest"
)

// teamChannelData is the channelData Teams sends from a team's channel.
func teamChannelData(conv string) map[string]any {
	return map[string]any{"team": map[string]any{"id": "19:team-" + conv}, "channel": map[string]any{"id": conv},
		"tenant": map[string]any{"id": "tenant-secret-id"}}
}

// in moves a handler's activity to another conversation: a team channel
// (channel), a group chat ("group") or the handler's 1:1 chat ("personal").
func in(a schema.Activity, kind, conv string) schema.Activity {
	switch kind {
	case "channel":
		a.Conversation = schema.ConversationAccount{ID: conv + ";messageid=1800", ConversationType: "channel", TenantID: "tenant-secret-id"}
		a.ChannelData = teamChannelData(conv)
	case "group":
		a.Conversation = schema.ConversationAccount{ID: conv, ConversationType: "groupChat", IsGroup: true, TenantID: "tenant-secret-id"}
		a.ChannelData = map[string]any{"tenant": map[string]any{"id": "tenant-secret-id"}}
	case "personal":
		a.Conversation = schema.ConversationAccount{ID: conv, ConversationType: "personal", TenantID: "tenant-secret-id"}
		a.ChannelData = map[string]any{"tenant": map[string]any{"id": "tenant-secret-id"}}
	}
	return a
}

func to(conv string) func(bottest.Sent) bool {
	return func(s bottest.Sent) bool {
		return s.Method == http.MethodPost && strings.HasPrefix(s.Path, "/v3/conversations/"+conv)
	}
}

func putTo(conv, id string) func(bottest.Sent) bool {
	return func(s bottest.Sent) bool {
		return s.Method == http.MethodPut && strings.HasPrefix(s.Path, "/v3/conversations/"+conv) && strings.HasSuffix(s.Path, "/activities/"+id)
	}
}

// noneSince fails if any send after the first n matches pred.
func (r *rig) noneSince(t *testing.T, n int, what string, pred func(bottest.Sent) bool) {
	t.Helper()
	for _, s := range r.Conn.Settle(300 * time.Millisecond)[n:] {
		if pred(s) {
			t.Fatalf("%s: %s %s %q", what, s.Method, s.Path, cardText(s))
		}
	}
}

// caseInInbox is a running rig with an inbox and one case posted to it.
func caseInInbox(t *testing.T) (*rig, map[string]any) {
	t.Helper()
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	r.registerInbox(t)
	r.fileReport(t, "da-DK", false)
	r.release(t)
	return r, r.inboxCard(t)
}

// TestCaseActionsOnlyFromTheInboxChannel: a handler's claim, status,
// reply and note from their private chat, a group chat or another team
// channel are refused with a kind message that shows nothing of the case,
// and change nothing; from the inbox channel they work.
func TestCaseActionsOnlyFromTheInboxChannel(t *testing.T) {
	r, inbox := caseInInbox(t)
	caseID := action(t, inbox, dialogs.VerbCaseReply)[dialogs.KeyArg].(string)
	actions := []map[string]any{
		action(t, inbox, dialogs.VerbCaseClaim),
		with(action(t, inbox, dialogs.VerbCaseStatus), map[string]any{"status": "closed"}),
		with(action(t, inbox, dialogs.VerbCaseReply), map[string]any{"reply": "svar-fra-det-forkerte-sted"}),
		with(action(t, inbox, dialogs.VerbCaseNote), map[string]any{"note": "note-fra-det-forkerte-sted"}),
	}
	places := []struct{ kind, conv string }{
		{"personal", "a:handler-private-chat"},
		{"group", "19:group-chat@thread.v2"},
		{"channel", "19:another-channel@thread.tacv2"},
	}
	for _, p := range places {
		for _, v := range actions {
			n := len(r.Conn.Settle(0))
			r.MustPost(in(r.handler(handlerAAD, "", v, "bot-act-1"), p.kind, p.conv))
			got := r.next(t, "refusal in "+p.kind, to(p.conv))
			txt := cardText(got)
			if !strings.Contains(txt, "kun gøres i enhedens indbakke") {
				t.Fatalf("%s, %v: %q", p.kind, v[dialogs.KeyAction], txt)
			}
			for _, leak := range []string{caseID, dialogs.CaseNo(caseID), story, "forkerte-sted"} {
				if strings.Contains(txt, leak) {
					t.Fatalf("the refusal in %s shows %q", p.kind, leak)
				}
			}
			r.noneSince(t, n, "a refused action touched the case card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
		}
	}
	// Nothing was changed: the claim from the inbox channel is the first.
	r.MustPost(r.handler(handlerAAD, "", action(t, inbox, dialogs.VerbCaseClaim), "bot-act-1"))
	upd := r.next(t, "claimed card", putTo(channelConv, "bot-act-1"))
	txt := cardText(upd)
	if !strings.Contains(txt, "Hanne Handler") || strings.Contains(txt, "forkerte-sted") || strings.Contains(txt, "Lukket") {
		t.Fatalf("card after the refused actions and one claim:\n%s", txt)
	}
	r.checkAllCards(t)
}

// TestForgedSubmitsInTheChannelCannotOverwriteCards: a hand-made "hide"
// submit in the inbox channel against a case card is refused (hiding
// works only in one's own 1:1 chat), and a case action naming another
// message updates the case's own card, never the message named.
func TestForgedSubmitsInTheChannelCannotOverwriteCards(t *testing.T) {
	r, inbox := caseInInbox(t)
	for _, who := range []string{"aad-stranger", handlerAAD} {
		for _, arg := range []string{"status", "code"} {
			n := len(r.Conn.Settle(0))
			r.MustPost(r.handler(who, "", map[string]any{dialogs.KeyAction: dialogs.VerbReceiptHide, dialogs.KeyArg: arg}, "bot-act-1"))
			r.next(t, "refusal of a forged hide", to(channelConv))
			r.noneSince(t, n, "a forged hide overwrote a card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
		}
	}
	n := len(r.Conn.Settle(0))
	r.MustPost(r.handler(handlerAAD, "", action(t, inbox, dialogs.VerbCaseClaim), "some-other-message"))
	r.next(t, "the case's own card updated", putTo(channelConv, "bot-act-1"))
	r.noneSince(t, n, "the forged target was updated", func(s bottest.Sent) bool {
		return s.Method == http.MethodPut && strings.HasSuffix(s.Path, "/some-other-message")
	})
	// In the reporter's own chat, hiding works as before.
	r.MustPost(r.reporter("da-DK", map[string]any{dialogs.KeyAction: dialogs.VerbReceiptHide, dialogs.KeyArg: "code"}, "c-receipt"))
	if got := r.next(t, "hidden in the reporter's chat", updateInChat); got.Activity.ID != "c-receipt" {
		t.Fatalf("hide in the 1:1 chat updated %q", got.Activity.ID)
	}
}

// TestInboxIsATeamChannelAndMovingItNeedsConfirmation: a group chat, a
// 1:1 chat or a channel without its team is refused as inbox; "inbox" in a
// second channel only asks there for confirmation (cases still go to the
// first); forged, foreign or a stranger's confirmations move nothing; a
// handler's confirmation there moves it, and the old channel is told.
func TestInboxIsATeamChannelAndMovingItNeedsConfirmation(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	r.run(t)
	// Not a team channel.
	r.MustPost(in(r.handler(handlerAAD, "<at>Grænsen</at> indbakke", nil, ""), "group", "19:group@thread.v2"))
	if txt := cardText(r.next(t, "group chat refused", to("19:group@thread.v2"))); !strings.Contains(txt, "kanal i et team") {
		t.Fatalf("group chat as inbox: %q", txt)
	}
	bare := r.handler(handlerAAD, "<at>Grænsen</at> indbakke", nil, "")
	bare.ChannelData = map[string]any{"tenant": map[string]any{"id": "tenant-secret-id"}}
	r.MustPost(bare)
	if txt := cardText(r.next(t, "channel without team refused", to(channelConv))); !strings.Contains(txt, "kanal i et team") {
		t.Fatalf("channel without team data as inbox: %q", txt)
	}
	r.registerInbox(t)

	const second = "19:second-channel@thread.tacv2"
	r.MustPost(in(r.handler(handlerAAD, "<at>Grænsen</at> indbakke", nil, ""), "channel", second))
	ask := r.next(t, "confirmation asked in the new channel", to(second))
	if !strings.Contains(cardText(ask), "allerede en indbakke") {
		t.Fatalf("move: %q", cardText(ask))
	}
	confirm := action(t, bottest.CardOf(t, ask), dialogs.VerbInboxMove)
	// Not moved yet: a new case goes to the first channel.
	r.fileReport(t, "da-DK", false)
	r.release(t)
	r.next(t, "case in the first channel", toChannel)

	refusals := []struct {
		name string
		a    schema.Activity
		conv string
	}{
		{"forged nonce", in(r.handler(handlerAAD, "", map[string]any{dialogs.KeyAction: dialogs.VerbInboxMove, dialogs.KeyArg: "forged-nonce"}, ""), "channel", second), second},
		{"right nonce, other channel", in(r.handler(handlerAAD, "", confirm, ""), "channel", "19:third@thread.tacv2"), "19:third@thread.tacv2"},
		{"right nonce, a stranger", in(r.handler("aad-stranger", "", confirm, ""), "channel", second), second},
		{"right nonce, private chat", in(r.handler(handlerAAD, "", confirm, ""), "personal", "a:handler-private"), "a:handler-private"},
	}
	for _, f := range refusals {
		r.MustPost(f.a)
		if txt := cardText(r.next(t, f.name, to(f.conv))); strings.Contains(txt, "nu enhedens indbakke") {
			t.Fatalf("%s moved the inbox: %q", f.name, txt)
		}
	}
	r.fileReport(t, "da-DK", false)
	r.release(t)
	r.next(t, "case still in the first channel", toChannel)

	r.MustPost(in(r.handler(handlerAAD, "", confirm, ""), "channel", second))
	if txt := cardText(r.next(t, "moved", to(second))); !strings.Contains(txt, "nu enhedens indbakke") {
		t.Fatalf("confirmed move: %q", txt)
	}
	if txt := cardText(r.next(t, "old channel told", toChannel)); !strings.Contains(txt, "flyttet til en anden kanal") || !strings.Contains(txt, "Hanne Handler") {
		t.Fatalf("notice in the old channel: %q", txt)
	}
	// The confirmation is used up.
	r.MustPost(in(r.handler(handlerAAD, "", confirm, ""), "channel", second))
	if txt := cardText(r.next(t, "reused confirmation", to(second))); !strings.Contains(txt, "ikke flyttet") {
		t.Fatalf("a used confirmation: %q", txt)
	}
	r.fileReport(t, "da-DK", false)
	r.release(t)
	if txt := cardText(r.next(t, "case in the new channel", func(s bottest.Sent) bool {
		return s.Method == http.MethodPost && s.Path == "/v3/conversations/"+second+"/activities" && strings.Contains(cardText(s), story)
	})); txt == "" {
		t.Fatal("no case card in the new inbox")
	}
	r.checkAllCards(t)
	r.checkAnonymous(t, story)
}

// reporterSession files a report and opens a receipt session in the
// dialog window; it returns the window with the case view.
func (r *rig) reporterSession(t *testing.T) bottest.Dialog {
	t.Helper()
	code := receiptOf(t, r.fileReport(t, "da-DK", false).Card)
	entry := r.dialog(t, "da-DK", "task/fetch", map[string]any{"a": dialogs.VerbReceipt, "msteams": map[string]any{"type": "task/fetch"}})
	status := r.press(t, "da-DK", entry, dialogs.VerbReceiptCheck, map[string]any{"code": code})
	wantDialog(t, status, "Din sag")
	return status
}

// send writes to the unit from the case view; it returns what the window
// then says.
func (r *rig) send(t *testing.T, status bottest.Dialog, msg string) string {
	t.Helper()
	d := r.press(t, "da-DK", status, dialogs.VerbReceiptMessage, map[string]any{"msg": msg})
	return bottest.CardText(d.Card) + d.Message
}

// TestReporterMessagesAreLimited: by default 5 messages per case and day,
// 2000 characters each; beyond, a kind refusal that says the limit.
func TestReporterMessagesAreLimited(t *testing.T) {
	r := newRig(t, bottest.Options{}, nil)
	status := r.reporterSession(t)
	for i := range 5 {
		if txt := r.send(t, status, strings.Repeat("ø", 2000)); strings.Contains(txt, "ikke sendt") || !strings.Contains(txt, "din besked er sendt") {
			t.Fatalf("message %d: %q", i+1, txt)
		}
	}
	if txt := r.send(t, status, "en sjette"); !strings.Contains(txt, "op til 5 beskeder om dagen") {
		t.Fatalf("sixth message the same day: %q", txt)
	}
	r2 := newRig(t, bottest.Options{}, nil)
	status = r2.reporterSession(t)
	if txt := r2.send(t, status, strings.Repeat("x", 2001)); !strings.Contains(txt, "2001 tegn") || !strings.Contains(txt, "2000") {
		t.Fatalf("too long a message: %q", txt)
	}
}

// TestCaseCardStaysWithinTeamsMessageSize: a case with many long messages
// and notes (texts that JSON escapes heavily) keeps its card, as sent,
// under 28 KB; it shows the latest message and says how many it leaves out.
func TestCaseCardStaysWithinTeamsMessageSize(t *testing.T) {
	r := newRig(t, bottest.Options{}, func(s *report.Service) {
		s.Limits.MsgsPerCaseDay, s.Limits.MsgRunes = 100, dialogs.MaxReportText
	})
	r.run(t)
	r.registerInbox(t)
	status := r.reporterSession(t)
	r.release(t)
	inbox := r.inboxCard(t)
	long := func(tag string) string {
		return tag + strings.Repeat(`<æ"&>`, (dialogs.MaxReportText-len(tag))/5)
	}
	var last string
	for i := range 12 {
		last = long("besked-" + string(rune('a'+i)) + " ")
		if txt := r.send(t, status, last); !strings.Contains(txt, "din besked er sendt") {
			t.Fatalf("message %d: %q", i+1, txt)
		}
		r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseNote), map[string]any{"note": long("note ")}), "bot-act-1"))
	}
	r.release(t) // the reporter's messages reach the unit at the release
	// The card updates so far: the latest, and the size of the biggest.
	updates := func(sent []bottest.Sent) (latest bottest.Sent, biggest int) {
		for _, s := range sent {
			if s.Method == http.MethodPut && strings.Contains(s.Path, channelConv) {
				b, _ := json.Marshal(s.Activity)
				biggest = max(biggest, len(b))
				latest = s
			}
		}
		return latest, biggest
	}
	sent, _ := r.Conn.Until(10*time.Second, func(got []bottest.Sent) bool {
		latest, _ := updates(got)
		return strings.Contains(cardText(latest), "besked-l")
	})
	latest, biggest := updates(sent)
	txt := cardText(latest)
	if !strings.Contains(txt, "besked-l") {
		t.Fatalf("the latest message is not on the card:\n%.2000s", txt)
	}
	if !strings.Contains(txt, "vises ikke på kortet") {
		t.Fatalf("the card does not say that earlier messages are left out:\n%.2000s", txt)
	}
	if biggest > 28<<10 {
		t.Fatalf("a case card of %d bytes was sent; Teams refuses messages over ~28 KB", biggest)
	}
	t.Logf("largest case card sent: %d bytes (12 messages and 12 notes of %d characters)", biggest, dialogs.MaxReportText)
	r.checkAllCards(t)
}

// Test413IsFinal: when Teams refuses the case card as too large, a short
// card takes its place and the item is done; when even that and the notice
// are refused, the bot gives up: no retry loop.
func Test413IsFinal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails []int
		want  string
	}{
		{"short card", []int{http.StatusRequestEntityTooLarge}, "for stor til at blive vist helt"},
		{"notice", []int{http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge}, "kunne ikke vises i kanalen"},
		{"nothing", []int{http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, bottest.Options{}, nil)
			r.registerInbox(t)
			r.fileReport(t, "da-DK", false)
			r.release(t)
			r.Conn.Mu.Lock()
			r.Conn.Fail = tc.fails
			r.Conn.Mu.Unlock()
			before := r.Conn.Attempts()
			r.run(t)
			if tc.want != "" {
				if txt := cardText(r.next(t, "what replaces the refused card", toChannel)); !strings.Contains(txt, tc.want) {
					t.Fatalf("posted %q", txt)
				}
			}
			time.Sleep(1500 * time.Millisecond) // ClaimIdle is 300 ms here: a retry would show
			attempts := r.Conn.Attempts() - before
			if want := len(tc.fails) + map[bool]int{true: 1, false: 0}[tc.want != ""]; attempts != want {
				t.Fatalf("%d requests to the connector, want %d (no retry after a 413)", attempts, want)
			}
		})
	}
}
