package dialogs_test

import (
	"maps"
	"reflect"
	"testing"

	"github.com/kk/graensen/dialogs"
)

// A flow under way when its verbs were renamed goes on from the cards it
// already sent: the report form in the dialog window and the reminder
// picker in the chat, pressed with the earlier names ("rnext", "rback",
// "rsubmit", "rpick"), do step by step exactly what the current names do.
func TestFlowsUnderWayGoOnFromCardsWithEarlierVerbNames(t *testing.T) {
	old, now := newTranscript(t), newTranscript(t)
	same := func(step string, a, b dialogs.Result) {
		t.Helper()
		if !reflect.DeepEqual(a.Outputs, b.Outputs) || !reflect.DeepEqual(a.State, b.State) {
			t.Fatalf("%s: the earlier name did not do what the current one does:\n%+v\n%+v", step, a.Outputs, b.Outputs)
		}
	}
	open := map[string]string{dialogs.KeyAction: dialogs.VerbReport}
	same("open", old.dialog(open), now.dialog(open))
	story := map[string]string{"what": "Han kommenterer min krop hver dag.", "when": "month", "where": "event"}
	var last dialogs.Result
	for i, s := range []struct {
		before, after string
		values        map[string]string
	}{
		{"rnext", "report-next", nil},
		{"rnext", "report-next", story},
		{"rback", "report-back", nil},
		{"rnext", "report-next", nil},
		{"rnext", "report-next", map[string]string{"often": "several"}},
		{"rnext", "report-next", map[string]string{"wants": "advice", "notify": "false"}},
		{"rsubmit", "report-submit", nil},
	} {
		a, b := old.tagged(s.before, s.values), now.tagged(s.after, s.values)
		same(s.before+" "+string(rune('0'+i)), a, b)
		last = b
	}
	filed := false
	for _, o := range last.Outputs {
		_, filed = o.(dialogs.FileReport)
		if filed {
			break
		}
	}
	if !filed {
		t.Fatalf("the form was not filed: %+v", last.Outputs)
	}

	// The reminder picker, a frame on the chat's stack.
	s1, s2 := newGSess(t, "da-DK", dialogs.Config{}), newGSess(t, "da-DK", dialogs.Config{})
	c1, c2 := openRemind(t, s1), openRemind(t, s2)
	pick := maps.Clone(pickAction(t, c1, "week"))
	pick[dialogs.KeyAction] = "rpick"
	a, b := s1.click(pick), s2.click(pickAction(t, c2, "week"))
	same("rpick", a, b)
	if sr := scheduled(t, b); sr.StepID == "" {
		t.Fatalf("no reminder scheduled: %+v", sr)
	}
}
