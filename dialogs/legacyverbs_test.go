package dialogs

import (
	"reflect"
	"testing"
	"time"

	"github.com/kk/graensen/internal/contenttest"
)

// A card sent before its verbs were renamed still works: pressing a button
// that carries a verb's earlier name does exactly what the verb's current
// name does, in the chat and in a Teams dialog, for a user, a handler and
// an admin.
func TestButtonsWithEarlierVerbNamesStillWork(t *testing.T) {
	const who = "0b1c2d3e-0000-4000-8000-000000000001"
	e := New(Config{Content: contenttest.Small(), Handlers: []string{who}, Admins: []string{who}})
	args := map[string]string{
		VerbGuideStep: "receive-report:listen", VerbGuideSummary: "receive-report", VerbHelpful: "y:topic:sexism",
	}
	step := func(verb, arg string, dialog bool) Result {
		return e.Step(State{}, Profile{Role: RoleManager}, Input{
			Kind: KindMessage, Dialog: dialog, Scope: ScopePersonal, AadID: who, Locale: "da-DK", ActivityID: "a1",
			Now:    time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
			Rand:   func(n int) []byte { return make([]byte, n) },
			Values: map[string]string{KeyAction: verb, KeyArg: arg},
		})
	}
	unknown := step("no-such-verb", "", false)
	for old, now := range legacyVerbs {
		if old == now {
			t.Errorf("%s is its own earlier name", old)
		}
		if _, registered := e.starts[now]; !registered && e.views[now] == nil && now != VerbDialogClose && e.windowViews[now] == nil {
			t.Errorf("%s was renamed to %s, which nothing handles", old, now)
		}
		for _, dialog := range []bool{false, true} {
			got, want := step(old, args[now], dialog), step(now, args[now], dialog)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (dialog %v) did not do what %s does:\n%+v\n%+v", old, dialog, now, got.Outputs, want.Outputs)
			}
			if !dialog && now != VerbDialogClose && reflect.DeepEqual(got.Outputs, unknown.Outputs) { // closing is for a dialog only
				t.Errorf("%s was not understood in the chat", old)
			}
		}
	}
	// The caller's values are left as they were.
	in := map[string]string{KeyAction: "gsum", KeyArg: "receive-report"}
	e.Step(State{}, Profile{}, Input{Kind: KindMessage, Values: in, Locale: "da-DK", Rand: func(n int) []byte { return make([]byte, n) }})
	if in[KeyAction] != "gsum" {
		t.Errorf("Step changed the caller's values: %v", in)
	}
}
