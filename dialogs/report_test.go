package dialogs_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
)

// transcript is the driver (driver_test.go) of the reporting tests: a
// Danish user with an Entra id, each turn answering a card of its own.
type transcript struct{ *driver }

func newTranscript(t *testing.T, handlers ...string) *transcript {
	e := dialogs.New(dialogs.Config{Content: contenttest.Small(), Handlers: handlers})
	tr := &transcript{newDriver(t, e, "da-DK")}
	tr.aad = "aad-user"
	tr.now = time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC) // already 2 March in Copenhagen
	rnd := rand.NewChaCha8([32]byte{1})
	tr.rand = func(n int) []byte { b := make([]byte, n); _, _ = rnd.Read(b); return b }
	tr.ids = func(n int) (string, string) { return "act-" + string(rune('a'+n)), "card-" + string(rune('a'+n)) }
	return tr
}

func (tr *transcript) step(text string, values map[string]string) dialogs.Result {
	tr.t.Helper()
	return tr.run(dialogs.Input{Kind: dialogs.KindMessage, Text: text, Values: values})
}

// tagged submits a button of the form open in the dialog window.
func (tr *transcript) tagged(verb string, values map[string]string) dialogs.Result {
	tr.t.Helper()
	v := map[string]string{dialogs.KeyAction: verb}
	if tr.st.Form != nil {
		v[dialogs.KeyTag] = tr.st.Form.Tag
	}
	for k, x := range values {
		v[k] = x
	}
	return tr.dialog(v)
}

// reportCards names the cards of a turn: "name" for a chat card,
// "update:name" for an updated chat card, "dlg:name" for a card in the
// dialog window and "close:msg" for a dialog closed with a message.
func reportCards(res dialogs.Result) (names []string, all string) {
	for _, o := range res.Outputs {
		var name string
		var v any = o
		switch o := o.(type) {
		case dialogs.Reply:
			name = o.Card.Name
		case dialogs.Update:
			name = "update:" + o.Card.Name
		case dialogs.ShowDialog:
			name = "dlg:" + o.Card.Name
		case dialogs.CloseDialog:
			name = "close:" + o.Msg.ID
		default:
			continue
		}
		names = append(names, name)
		b, _ := json.Marshal(v)
		all += string(b)
	}
	return names, all
}

func wantCards(t *testing.T, res dialogs.Result, want ...string) string {
	t.Helper()
	got, all := reportCards(res)
	if !slices.Equal(got, want) {
		t.Fatalf("cards %v, want %v", got, want)
	}
	return all
}

// noChat fails when a dialog turn sends or updates anything in the chat.
func noChat(t *testing.T, res dialogs.Result) {
	t.Helper()
	for _, o := range res.Outputs {
		switch o.(type) {
		case dialogs.Reply, dialogs.Update:
			t.Fatalf("a dialog turn posted to the chat: %#v", o)
		}
	}
}

const story = "Min kollega Jens sagde noget meget ubehageligt til mig ved julefrokosten"

func TestReportChatShowsOnlyTheLauncher(t *testing.T) {
	tr := newTranscript(t)
	for _, typed := range []string{"anmeld", "kvittering", "report", "my receipt"} {
		all := wantCards(t, tr.step(typed, nil), "report-launcher")
		for _, verb := range []string{dialogs.VerbReport, dialogs.VerbReceipt} {
			if !strings.Contains(all, `"data":{"a":"`+verb+`"},"primary":true,"dialog":true`) && !strings.Contains(all, `"data":{"a":"`+verb+`"},"dialog":true`) {
				t.Fatalf("launcher does not open the %s dialog: %s", verb, all)
			}
		}
	}
	// The menu's buttons lead to the launcher (a client without dialogs
	// would do nothing at all on a dialog button; the launcher explains).
	menu := wantCards(t, tr.step("menu", nil), "menu")
	if !strings.Contains(menu, `"label":{"id":"report.menu.report"},"data":{"a":"report"}}`) {
		t.Fatalf("menu report button: %s", menu)
	}
	wantCards(t, tr.step("", map[string]string{dialogs.KeyAction: dialogs.VerbReport}), "report-launcher")
	// A client without dialogs sends the click as a message: a kind word,
	// no form in the chat.
	res := tr.run(dialogs.Input{Kind: dialogs.KindMessage, Values: map[string]string{"a": dialogs.VerbReport}, NoDialog: true})
	wantCards(t, res, "report-nodialog")
	if res.State.Form != nil || len(res.State.Stack) != 0 {
		t.Fatal("a form was opened in the chat")
	}
}

func TestReportIntakeFilesAndForgetsTheDraft(t *testing.T) {
	tr := newTranscript(t)
	res := tr.dialog(map[string]string{dialogs.KeyAction: dialogs.VerbReport}) // task/fetch
	wantCards(t, res, "dlg:report-intro")
	steps := []dialogs.Result{res}
	step := func(r dialogs.Result, want ...string) string {
		t.Helper()
		steps = append(steps, r)
		return wantCards(t, r, want...)
	}
	step(tr.tagged("report-next", nil), "dlg:report-what")
	// The description is required; choices are not.
	all := step(tr.tagged("report-next", map[string]string{"what": "  "}), "dlg:report-what")
	if !strings.Contains(all, "report.what.empty") {
		t.Fatal("empty description not explained")
	}
	all = step(tr.tagged("report-next", map[string]string{"what": story, "when": "month", "where": "event"}), "dlg:report-pattern")
	// Chatting meanwhile does not disturb the form: the chat's Q&A answers
	// typed text, and the draft stays.
	if res := tr.step("hvad er sexisme", nil); tr.st.Form == nil || len(res.Outputs) == 0 {
		t.Fatal("chatting dropped the draft or got no answer")
	}
	// Back goes one step back, with the answers kept.
	all += step(tr.tagged("report-back", nil), "dlg:report-what")
	all += step(tr.tagged("report-next", nil), "dlg:report-pattern")
	all += step(tr.tagged("report-next", map[string]string{"often": "several", "duration": "months", "grave": "much", "affect": "some", "who": "colleague"}), "dlg:report-wants")
	// Closing the window and opening the form again continues the draft.
	all += step(tr.dialog(map[string]string{dialogs.KeyAction: dialogs.VerbReport}), "dlg:report-wants")
	if !strings.Contains(all, "report.dialog.resumed") {
		t.Fatal("reopening does not say the draft continues")
	}
	all += step(tr.tagged("report-next", map[string]string{"wants": "advice,contact,bogus,advice,mediation", "notify": "true"}), "dlg:report-confirm")
	// Edit goes back to the start with the text kept but not shown.
	all += step(tr.tagged("report-back", nil), "dlg:report-what")
	all += step(tr.tagged("report-next", map[string]string{"what": "", "when": "garbage"}), "dlg:report-pattern")
	all += step(tr.tagged("report-next", nil), "dlg:report-wants")
	all += step(tr.tagged("report-next", map[string]string{"wants": "advice,mediation", "notify": "true"}), "dlg:report-confirm")
	if strings.Contains(all, "Jens") || strings.Contains(all, "rørte") {
		t.Fatal("the reporter's text was echoed into a card")
	}
	if tr.st.Form == nil || !strings.Contains(string(tr.st.Form.Data), "Jens") || len(tr.st.Stack) != 0 {
		t.Fatal("draft should sit in the form's frame (not the chat's stack) until submit")
	}

	tag := tr.st.Form.Tag
	res = tr.tagged("report-submit", nil)
	steps = append(steps, res)
	var fr *dialogs.FileReport
	for _, o := range res.Outputs {
		if f, ok := o.(dialogs.FileReport); ok {
			fr = &f
		}
	}
	if fr == nil {
		t.Fatal("no FileReport emitted")
	}
	if res.State.Form != nil || len(res.State.Stack) != 0 {
		t.Fatal("the draft must leave the state in the step that files it")
	}
	for _, r := range steps {
		noChat(t, r)
	}
	want := dialogs.ReportAnswers{What: story, When: "month", Where: "event", Often: "several", Duration: "months", Grave: "much", Affect: "some", Who: "colleague", Wants: []string{"advice", "mediation"}}
	if b1, b2 := mustJSON(fr.Answers), mustJSON(want); b1 != b2 {
		t.Fatalf("answers %s, want %s", b1, b2)
	}
	if !fr.Notify || fr.Date != "2026-03-02" || !dialogs.ValidCaseID(fr.CaseID) {
		t.Fatalf("bad report: %+v", fr)
	}
	if code, ok := dialogs.ParseReceipt(fr.Receipt); !ok || code != fr.Receipt {
		t.Fatalf("bad receipt %q", fr.Receipt)
	}
	// A button of the sent form does nothing but say so.
	wantCards(t, tr.dialog(map[string]string{dialogs.KeyAction: "report-submit", dialogs.KeyTag: tag}), "close:report.dialog.stale")
}

func TestReportFormOffersTheSourcesOptions(t *testing.T) {
	tr := newTranscript(t)
	tr.dialog(map[string]string{dialogs.KeyAction: dialogs.VerbReport})
	tr.tagged("report-next", nil)
	pattern := wantCards(t, tr.tagged("report-next", map[string]string{"what": story}), "dlg:report-pattern")
	for _, id := range []string{"report.q.often", "report.q.duration", "report.q.grave", "report.q.affect"} {
		if !strings.Contains(pattern, `"`+id+`"`) {
			t.Fatalf("the load triangle step lacks %s", id)
		}
	}
	wants := wantCards(t, tr.tagged("report-next", nil), "dlg:report-wants")
	if strings.Contains(wants, "report.opt.wants.contact") {
		t.Fatal("the form still offers contacting the workplace")
	}
	for _, id := range []string{"tell", "advice", "mediation", "psych", "investigate"} {
		if !strings.Contains(wants, "report.opt.wants."+id) {
			t.Fatalf("wants lacks %s", id)
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestReportCancelDeletesDraft(t *testing.T) {
	for _, how := range []string{"button", "typed"} {
		t.Run(how, func(t *testing.T) {
			tr := newTranscript(t)
			tr.dialog(map[string]string{dialogs.KeyAction: dialogs.VerbReport})
			tr.tagged("report-next", nil)
			tr.tagged("report-next", map[string]string{"what": story})
			var res dialogs.Result
			if how == "button" {
				res = tr.tagged("report-cancel", nil)
				wantCards(t, res, "close:report.cancelled")
			} else {
				res = tr.step("annuller", nil)
			}
			if len(res.State.Stack) != 0 || res.State.Form != nil {
				t.Fatal("draft kept after cancel")
			}
			for _, o := range res.Outputs {
				if _, ok := o.(dialogs.FileReport); ok {
					t.Fatal("cancel filed a report")
				}
			}
		})
	}
}

func TestReportOnlyInPrivateChat(t *testing.T) {
	tr := newTranscript(t)
	tr.scope = dialogs.ScopeChannel
	wantCards(t, tr.step("report", nil), "report-private")
	wantCards(t, tr.step("kvittering", nil), "report-private")
	wantCards(t, tr.dialog(map[string]string{dialogs.KeyAction: dialogs.VerbReport}), "close:report.private")
	if len(tr.st.Stack) != 0 || tr.st.Form != nil {
		t.Fatal("a frame was left in a channel")
	}
}

func TestReceiptCheckEmitsQuery(t *testing.T) {
	tr := newTranscript(t)
	wantCards(t, tr.dialog(map[string]string{"a": dialogs.VerbReceipt}), "dlg:receipt-enter")
	wantCards(t, tr.dialog(map[string]string{"a": dialogs.VerbReceiptCheck, "code": "not a code"}), "dlg:receipt-enter")
	res := tr.dialog(map[string]string{"a": dialogs.VerbReceiptCheck, "code": "abcde fghjk-mnpqr stvwx"})
	if len(res.Outputs) != 1 || res.Outputs[0] != (dialogs.CheckReceipt{Code: "ABCDEFGHJKMNPQRSTVWX"}) {
		t.Fatalf("outputs %#v", res.Outputs)
	}
	res = tr.dialog(map[string]string{"a": dialogs.VerbReceiptMessage, "v": "tok", "msg": " more info "})
	if m, ok := res.Outputs[0].(dialogs.ReporterMessage); !ok || m.Token != "tok" || m.Text != "more info" || m.Date != "2026-03-02" {
		t.Fatalf("outputs %#v", res.Outputs)
	}
	wantCards(t, tr.dialog(map[string]string{"a": dialogs.VerbReceiptMessage, "v": "tok", "msg": "  "}), "close:report.status.empty")
	wantCards(t, tr.dialog(map[string]string{"a": dialogs.VerbDialogClose}), "close:")
	// The same buttons arriving in the chat (an old card) only show the launcher.
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbReceiptCheck, "code": "abcde fghjk-mnpqr stvwx"}), "report-launcher")
}

func TestReceiptCodes(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{2})
	read := func(n int) []byte { b := make([]byte, n); _, _ = rnd.Read(b); return b }
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		c := dialogs.NewReceiptCode(read)
		if seen[c] {
			t.Fatal("repeated code")
		}
		seen[c] = true
		if strings.ContainsAny(c, "0O1ILU") || len(c) != dialogs.ReceiptLen {
			t.Fatalf("bad code %q", c)
		}
		for _, r := range c {
			counts[r]++
		}
		f := dialogs.FormatReceipt(c)
		if len(f) != 23 || f[5] != '-' || f[11] != '-' || f[17] != '-' {
			t.Fatalf("bad grouping %q", f)
		}
		if p, ok := dialogs.ParseReceipt(strings.ToLower(f)); !ok || p != c {
			t.Fatalf("round trip of %q failed", f)
		}
	}
	if len(counts) != 30 {
		t.Fatalf("alphabet used: %d symbols, want 30", len(counts))
	}
	for r, n := range counts { // 40000 symbols: ~1333 each
		if n < 1100 || n > 1600 {
			t.Fatalf("symbol %q drawn %d times: not uniform", r, n)
		}
	}
	for _, bad := range []string{"", "ABCDE", "ABCDE-FGHJK-MNPQR-STVW0", "ABCDE-FGHJK-MNPQR-STVWXY"} {
		if _, ok := dialogs.ParseReceipt(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func TestHandlerActionsAreAuthorised(t *testing.T) {
	const id = "ABCD2345"
	for _, tc := range []struct {
		name    string
		aad     string
		want    string
		actions bool
	}{
		{"stranger", "aad-user", "inbox-refused", false},
		{"no aad", "", "inbox-refused", false},
		{"handler", "AAD-HANDLER", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTranscript(t, "aad-handler")
			tr.scope, tr.aad = dialogs.ScopeChannel, tc.aad
			steps := []map[string]string{
				{"a": dialogs.VerbCaseClaim, "v": id},
				{"a": dialogs.VerbCaseStatus, "v": id, "status": "progress"},
				{"a": dialogs.VerbCaseReply, "v": id, "reply": "Tak for din henvendelse"},
				{"a": dialogs.VerbCaseNote, "v": id, "note": "ring AMR"},
			}
			for _, v := range steps {
				res := tr.step("", v)
				var got []dialogs.CaseAction
				for _, o := range res.Outputs {
					if a, ok := o.(dialogs.CaseAction); ok {
						got = append(got, a)
					}
				}
				if tc.actions {
					if len(got) != 1 || got[0].CaseID != id || got[0].Op != v["a"] || got[0].ActivityID == "" {
						t.Fatalf("%s: outputs %#v", v["a"], res.Outputs)
					}
				} else {
					if len(got) != 0 {
						t.Fatalf("%s: unauthorised action emitted", v["a"])
					}
					wantCards(t, res, tc.want)
				}
			}
			res := tr.step("indbakke", nil)
			registered := slices.ContainsFunc(res.Outputs, func(o dialogs.Output) bool { _, ok := o.(dialogs.RegisterInbox); return ok })
			if registered != tc.actions {
				t.Fatalf("inbox registration by %s: %v", tc.name, registered)
			}
		})
	}
	// Garbage from a handler: a bad status or an empty reply does nothing.
	tr := newTranscript(t, "aad-handler")
	tr.scope, tr.aad = dialogs.ScopeChannel, "aad-handler"
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbCaseStatus, "v": id, "status": "deleted"}), "inbox-nostatus")
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbCaseReply, "v": id, "reply": " "}), "inbox-notext")
	// The inbox is registered in a channel, not in a private chat.
	tr.scope = dialogs.ScopePersonal
	wantCards(t, tr.step("inbox", nil), "inbox-channel-only")
}

func TestMenuOffersReportAndReceipt(t *testing.T) {
	tr := newTranscript(t)
	_, all := reportCards(tr.step("menu", nil))
	for _, id := range []string{"report.menu.report", "report.menu.receipt"} {
		if !strings.Contains(all, id) {
			t.Fatalf("menu lacks %s", id)
		}
	}
}
