package dialogs_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
)

// transcript drives one conversation through the engine, with no HTTP
// and no Redis.
type transcript struct {
	t     *testing.T
	e     *dialogs.Engine
	st    dialogs.State
	p     dialogs.Profile
	scope dialogs.Scope
	aad   string
	rnd   *rand.ChaCha8
	n     int
	now   time.Time
}

func newTranscript(t *testing.T, handlers ...string) *transcript {
	e := dialogs.New(dialogs.Config{Content: content.MustLoad(), Handlers: handlers})
	return &transcript{t: t, e: e, rnd: rand.NewChaCha8([32]byte{1}), aad: "aad-user",
		now: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)} // already 2 March in Copenhagen
}

func (tr *transcript) step(text string, values map[string]string) dialogs.Result {
	tr.t.Helper()
	tr.n++
	in := dialogs.Input{Kind: dialogs.KindMessage, Scope: tr.scope, Text: text, Values: values, Locale: "da-DK",
		ActivityID: "act-" + string(rune('a'+tr.n)), ReplyToID: "card-" + string(rune('a'+tr.n)), AadID: tr.aad, Now: tr.now,
		Rand: func(n int) []byte { b := make([]byte, n); _, _ = tr.rnd.Read(b); return b }}
	res := tr.e.Step(tr.st, tr.p, in)
	tr.st, tr.p = res.State, res.Profile
	return res
}

// tagged submits a button of the top frame.
func (tr *transcript) tagged(verb string, values map[string]string) dialogs.Result {
	tr.t.Helper()
	v := map[string]string{dialogs.KeyAction: verb}
	if n := len(tr.st.Stack); n > 0 {
		v[dialogs.KeyTag] = tr.st.Stack[n-1].Tag
	}
	for k, x := range values {
		v[k] = x
	}
	return tr.step("", v)
}

func reportCards(res dialogs.Result) (names []string, all string) {
	for _, o := range res.Outputs {
		var c dialogs.Card
		switch o := o.(type) {
		case dialogs.Reply:
			c = o.Card
		case dialogs.Update:
			c = o.Card
			names = append(names, "update:"+c.Name)
			b, _ := json.Marshal(c)
			all += string(b)
			continue
		default:
			continue
		}
		names = append(names, c.Name)
		b, _ := json.Marshal(c)
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

const story = "Min kollega Jens sagde noget meget ubehageligt til mig ved julefrokosten"

func TestReportIntakeFilesAndForgetsTheDraft(t *testing.T) {
	tr := newTranscript(t)
	wantCards(t, tr.step("", map[string]string{dialogs.KeyAction: dialogs.VerbReport}), "report-intro")
	wantCards(t, tr.tagged("rnext", nil), "report-what")
	// The description is required; choices are not.
	all := wantCards(t, tr.tagged("rnext", map[string]string{"what": "  "}), "report-what")
	if !strings.Contains(all, "report.what.empty") {
		t.Fatal("empty description not explained")
	}
	all = wantCards(t, tr.tagged("rnext", map[string]string{"what": story, "when": "month", "where": "event"}), "update:report-cleared", "report-pattern")
	// A story typed as a chat message is not taken, not answered by the
	// Q&A, and never echoed.
	res := tr.step("Han rørte ved mig", nil)
	all += wantCards(t, res, "report-pattern")
	all += wantCards(t, tr.tagged("rnext", map[string]string{"often": "several", "duration": "months", "grave": "much", "who": "colleague"}), "update:report-cleared", "report-wants")
	all += wantCards(t, tr.tagged("rnext", map[string]string{"wants": "advice,contact,bogus,advice", "notify": "true"}), "update:report-cleared", "report-confirm")
	// Edit goes back with the text kept but not shown.
	all += wantCards(t, tr.tagged("rback", nil), "update:report-cleared", "report-what")
	all += wantCards(t, tr.tagged("rnext", map[string]string{"what": "", "when": "garbage"}), "update:report-cleared", "report-pattern")
	all += wantCards(t, tr.tagged("rnext", nil), "update:report-cleared", "report-wants")
	all += wantCards(t, tr.tagged("rnext", map[string]string{"wants": "advice,contact", "notify": "true"}), "update:report-cleared", "report-confirm")
	if strings.Contains(all, "Jens") || strings.Contains(all, "rørte") {
		t.Fatal("the reporter's text was echoed into a card")
	}
	if len(tr.st.Stack) != 1 || !strings.Contains(string(tr.st.Stack[0].Data), "Jens") {
		t.Fatal("draft should sit in the frame until submit")
	}

	res = tr.tagged("rsubmit", nil)
	wantCards(t, res, "update:report-cleared")
	var fr *dialogs.FileReport
	for _, o := range res.Outputs {
		if f, ok := o.(dialogs.FileReport); ok {
			fr = &f
		}
	}
	if fr == nil {
		t.Fatal("no FileReport emitted")
	}
	if len(res.State.Stack) != 0 {
		t.Fatal("the draft must leave the state in the step that files it")
	}
	want := dialogs.ReportAnswers{What: story, When: "month", Where: "event", Often: "several", Duration: "months", Grave: "much", Who: "colleague", Wants: []string{"advice", "contact"}}
	if b1, b2 := mustJSON(fr.Answers), mustJSON(want); b1 != b2 {
		t.Fatalf("answers %s, want %s", b1, b2)
	}
	if !fr.Notify || fr.Date != "2026-03-02" || !dialogs.ValidCaseID(fr.CaseID) {
		t.Fatalf("bad report: %+v", fr)
	}
	if code, ok := dialogs.ParseReceipt(fr.Receipt); !ok || code != fr.Receipt {
		t.Fatalf("bad receipt %q", fr.Receipt)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestReportCancelDeletesDraft(t *testing.T) {
	for _, how := range []string{"button", "typed"} {
		t.Run(how, func(t *testing.T) {
			tr := newTranscript(t)
			tr.step("anmeld", nil)
			tr.tagged("rnext", nil)
			tr.tagged("rnext", map[string]string{"what": story})
			var res dialogs.Result
			if how == "button" {
				res = tr.tagged("rcancel", nil)
				wantCards(t, res, "update:report-cleared", "menu")
			} else {
				res = tr.step("annuller", nil)
			}
			if len(res.State.Stack) != 0 {
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
	if len(tr.st.Stack) != 0 {
		t.Fatal("a frame was left in a channel")
	}
}

func TestReceiptCheckEmitsQuery(t *testing.T) {
	tr := newTranscript(t)
	wantCards(t, tr.step("kvittering", nil), "receipt-enter")
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbRCheck, "code": "not a code"}), "receipt-enter")
	res := tr.step("", map[string]string{"a": dialogs.VerbRCheck, "code": "abcde fghjk-mnpqr stvwx"})
	wantCards(t, res, "update:report-cleared")
	if len(res.Outputs) != 2 || res.Outputs[1] != (dialogs.CheckReceipt{Code: "ABCDEFGHJKMNPQRSTVWX"}) {
		t.Fatalf("outputs %#v", res.Outputs)
	}
	res = tr.step("", map[string]string{"a": dialogs.VerbRSend, "v": "tok", "msg": " more info "})
	if m, ok := res.Outputs[1].(dialogs.ReporterMessage); !ok || m.Token != "tok" || m.Text != "more info" || m.Date != "2026-03-02" {
		t.Fatalf("outputs %#v", res.Outputs)
	}
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
				{"a": dialogs.VerbCClaim, "v": id},
				{"a": dialogs.VerbCStatus, "v": id, "status": "progress"},
				{"a": dialogs.VerbCReply, "v": id, "reply": "Tak for din henvendelse"},
				{"a": dialogs.VerbCNote, "v": id, "note": "ring AMR"},
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
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbCStatus, "v": id, "status": "deleted"}), "inbox-nostatus")
	wantCards(t, tr.step("", map[string]string{"a": dialogs.VerbCReply, "v": id, "reply": " "}), "inbox-notext")
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
