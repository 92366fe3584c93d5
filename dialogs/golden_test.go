package dialogs_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
)

var update = flag.Bool("update", false, "rewrite the card golden files in testdata/cards")

// goldenDir holds one golden file per card kind (cardKind) and language:
// the card as the bot renders it (guideRenderer, the real renderer), from
// the small fixture library, so that only a change of the cards moves them,
// never AMK's content edits. go test -run TestCardGoldenFiles ./dialogs/
// -update rewrites them and removes the files of kinds no longer produced;
// a failure shows a readable diff (go-cmp) of the JSON.
const goldenDir = "testdata/cards"

// goldenKinds are the card kinds the dialogs package produces, each with a
// golden file: TestCardGoldenFiles fails on a kind of this list that no
// walk, flow or pure function produced any more (coverage cannot shrink
// silently), and on a kind it saw that is not listed (a new card kind is
// added here, with its golden files). How each is reached: golden_flows_test.go.
var goldenKinds = []string{
	// Install, role, menu, help, language (core.go, situation.go).
	"welcome", "welcome-channel", "role", "menu", "help", "lang",
	"menu+core.lang.set",       // the language switch
	"menu+qa.unknown",          // "I did not understand"
	"menu+core.cancel.done",    // "cancel" with a flow open
	"menu+core.cancel.nothing", // "cancel" with nothing open
	"menu+core.stale",          // a button of a flow no longer open
	"menu+core.unknownAction",  // a button the bot does not know
	"menu+core.updated",        // a flow stored by an earlier version
	// Questions and answers (qa.go).
	"topics", "topic", "more", "excuses", "excuse", "choices",
	// Situations, the playbook offer, "did this help?", sharing (situation.go).
	"situation", "offer", "thanks", "feedback_thanks", "feedback_no",
	"menu+feedback.share.done", "menu+feedback.share.gone", "feedback_admin",
	// The reflection and the quiz (reflect.go, quiz.go).
	"reflect_form", "reflect_form+reflect.retry", "reflect_sent", "reflect_result",
	"quiz_case", "quiz_explain", "quiz_score",
	// Playbooks and reminders (guide.go, reminder.go).
	"guides", "step", "summary", "remind_pick", "remind_pick+remind.retry.date",
	"remind_set", "reminders", "reminders+remind.cancelled", "reminder",
	// Anonymous reporting: the chat's launcher and notices, the form and
	// the receipt in the dialog window (dialogwin.go, report.go,
	// receiptanswer.go, answers.go).
	"report-launcher", "report-nodialog", "report-private", "report-cleared", "hide-refused",
	"report-intro", "report-what", "report-what+report.what.empty", "report-what+report.dialog.resumed",
	"report-pattern", "report-wants", "report-confirm", "report-receipt", "report-limited", "report-notify",
	"receipt-enter", "receipt-enter+report.receipt.malformed", "receipt-status", "receipt-limited",
	"receipt-notfound", "receipt-expired", "reporter-closed", "reporter-sent", "reporter-toolong", "reporter-daylimit",
	// The unit's inbox (report.go, inboxrules.go, answers.go; the names
	// bot/report gives ReportNotice and InboxEventCard).
	"inbox-case", "inbox-registered", "inbox-refused", "inbox-channel-only", "inbox-only",
	"inbox-team-channel-only", "inbox-unknown", "inbox-nostatus", "inbox-notext", "inbox-gone", "inbox-closed",
	"inbox-move", "inbox-moved", "inbox-move-expired", "inbox-newinfo", "inbox-ack-reminder",
	"inbox-feedback-reminder", "inbox-toolarge",
	// Campaigns (campaign.go, campaignguard.go, answers.go).
	"campaign-refused", "campaign-form", "campaign-preview", "campaign-muted", "campaign-unmuted",
	"campaign-message", "campaign-channel", "campaign-withdrawn", "campaign-notice",
	"campaign-recall-confirm", "campaign-correct", "campaign-correct-confirm",
	// Statistics (statistics.go).
	"stats", "stats-refused", "stats-private",
}

// contentIDs are the ids of the fixture library's items (topics, links,
// excuses, quiz cases, playbooks and their steps, situations): the parts
// of a card name that say which content a card shows, not what kind of
// card it is.
var contentIDs = func() map[string]bool {
	lib := contenttest.Small()
	ids := map[string]bool{}
	for _, x := range lib.Topics {
		ids[x.ID] = true
	}
	for _, x := range lib.Links {
		ids[x.ID] = true
	}
	for _, x := range lib.Excuses {
		ids[x.ID] = true
	}
	for _, x := range lib.Quiz {
		ids[x.ID] = true
	}
	for _, p := range lib.Playbooks {
		ids[p.ID] = true
		for _, s := range p.Steps {
			ids[s.ID] = true
		}
	}
	for _, x := range lib.Situations {
		ids[x.ID] = true
	}
	return ids
}()

// cardKind is the key of a card's golden file. It is the card's Name with
// the parts that name content dropped: the name's parts after the first
// (split at ":") that are ids of the fixture library, so "topic:sexism" is
// of kind "topic" and "step:receive-report:listen" of kind "step", while
// "quiz:case:touching" is "quiz_case" and "quiz:score" "quiz_score"; the
// parts left are joined with "_" (no colons in file names). A card that a
// turn prefixed with a one-line notice or retry line (a text line before
// the card's heading, as dialogs' notice adds) is a kind of its own: "+"
// and the line's message id are added, so "I did not understand" is
// "menu+qa.unknown". A notice before a card that has no heading (the
// role question, a quiz explanation) is not told apart.
func cardKind(c dialogs.Card) string {
	parts := strings.Split(c.Name, ":")
	kind := parts[:1]
	for _, p := range parts[1:] {
		if !contentIDs[p] {
			kind = append(kind, p)
		}
	}
	key := strings.Join(kind, "_")
	if b := c.Blocks; len(b) > 1 && b[0].Kind == dialogs.BlockText && b[0].Msg.Data == nil && b[1].Kind == dialogs.BlockHeading {
		key += "+" + b[0].Msg.ID
	}
	return key
}

// goldenCards keeps the first card of every kind seen.
type goldenCards struct {
	t     *testing.T
	first map[string]dialogs.Card
}

// add keeps the cards of kinds not seen yet and returns the kinds of all.
func (g *goldenCards) add(cs ...dialogs.Card) []string {
	var kinds []string
	for _, c := range cs {
		if c.Name == "" {
			g.t.Errorf("a card without a name: %+v", c)
			continue
		}
		k := cardKind(c)
		if _, ok := g.first[k]; !ok {
			g.first[k] = c
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// turn keeps the cards of a turn and fails when one of the kinds the
// flow expects is not among them.
func (g *goldenCards) turn(r dialogs.Result, want ...string) dialogs.Result {
	g.t.Helper()
	got := g.add(r.Cards()...)
	for _, w := range want {
		if !slices.Contains(got, w) {
			g.t.Errorf("expected a card of kind %q, the turn showed %v", w, got)
		}
	}
	return r
}

// goldenWalk walks the fixture library from the menu, breadth-first,
// following every Submit button once from the state that showed it.
func goldenWalk(t *testing.T, g *goldenCards, locale string) {
	t.Helper()
	e := dialogs.New(dialogs.Config{Content: contenttest.Small()})
	type node struct {
		st     dialogs.State
		p      dialogs.Profile
		values map[string]string
	}
	seen := map[string]bool{}
	var queue []node
	d := newDriver(t, e, locale)
	visit := func(r dialogs.Result) {
		for _, c := range r.Cards() {
			g.add(c)
			for _, b := range buttons(c) {
				if !seen[b.key] {
					seen[b.key] = true
					queue = append(queue, node{st: d.st, p: d.p, values: b.values})
				}
			}
		}
	}
	for _, text := range []string{"menu", "hjælp"} {
		d.st, d.p = dialogs.State{}, dialogs.Profile{}
		visit(d.say(text))
	}
	for steps := 0; len(queue) > 0 && steps < 400; steps++ {
		n := queue[0]
		queue = queue[1:]
		d.st, d.p = n.st, n.p
		visit(d.click(n.values))
	}
}

// cardKinds returns the first card of every kind: those of the walk from
// the menu first, then those of the scripted flows and of the pure card
// functions (golden_flows_test.go).
func cardKinds(t *testing.T, locale string) map[string]dialogs.Card {
	t.Helper()
	g := &goldenCards{t: t, first: map[string]dialogs.Card{}}
	goldenWalk(t, g, locale)
	goldenFlows(t, g, locale)
	goldenPureCards(g)
	return g.first
}

func TestCardGoldenFiles(t *testing.T) {
	kinds := cardKinds(t, "da-DK")
	for _, k := range goldenKinds {
		if _, ok := kinds[k]; !ok {
			t.Errorf("no card of kind %q any more: a flow or a card function changed (golden_flows_test.go)", k)
		}
	}
	for _, k := range slices.Sorted(mapsKeys(kinds)) {
		if !slices.Contains(goldenKinds, k) {
			t.Errorf("a card of a new kind %q (%s): add it to goldenKinds", k, kinds[k].Name)
		}
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
		for _, f := range old {
			_ = os.Remove(f)
		}
		_ = os.MkdirAll(goldenDir, 0o755)
	}
	want := map[string]bool{}
	for name, c := range kinds {
		checkCard(t, c) // every message in both languages, valid Adaptive Cards
		for _, lang := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
			file := filepath.Join(goldenDir, name+"."+string(lang)+".json")
			want[file] = true
			got, err := json.MarshalIndent(guideRenderer.Card(lang, c), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(got), "<no value>") {
				t.Errorf("card %q (%s): a template lacks its data (<no value>)", name, lang)
			}
			if *update {
				if err := os.WriteFile(file, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("card %q: %v (run go test ./dialogs/ -run TestCardGoldenFiles -update)", name, err)
				continue
			}
			var g, w any
			_ = json.Unmarshal(got, &g)
			if err := json.Unmarshal(raw, &w); err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("card %q (%s) differs from %s (-golden +now):\n%s", name, lang, file, diff)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	for _, f := range files {
		if !want[f] {
			t.Errorf("%s: no card of this kind any more (run with -update to remove it)", f)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
