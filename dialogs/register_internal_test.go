package dialogs

import (
	"strings"
	"testing"

	"github.com/kk/graensen/internal/contenttest"
)

// Issue 14, point 1: a verb or a dialog registered twice stops the bot at
// start (New panics), whichever way the second registration comes.
func TestRegisteringTwicePanicsAtStart(t *testing.T) {
	noView := func(*Turn, string) {}
	for _, tc := range []struct {
		name, want string
		again      func(e *Engine)
	}{
		{"a dialog's verb as a view", "verb " + VerbQuiz + " registered twice", func(e *Engine) { e.view(VerbQuiz, noView) }},
		{"a view's verb as a view", "verb " + VerbGuides + " registered twice", func(e *Engine) { e.view(VerbGuides, noView) }},
		{"a view's verb for a new dialog", "verb " + VerbGuides + " registered twice", func(e *Engine) { e.register(renamed{quizFlow{}}, VerbGuides) }},
		{"a dialog's verb for a new dialog", "verb " + VerbReflect + " registered twice", func(e *Engine) { e.register(renamed{quizFlow{}}, VerbReflect) }},
		{"a dialog's name", "dialog " + quizFlow{}.Name() + " registered twice", func(e *Engine) { e.register(quizFlow{}, "quiz-again") }},
		{"a verb's earlier name", "verb gsum is the earlier name of " + VerbGuideSummary, func(e *Engine) { e.view("gsum", noView) }},
		{"a global verb as a view", "verb " + VerbMenu + " registered twice", func(e *Engine) { e.view(VerbMenu, noView) }},
		{"a view's verb as a global", "verb " + VerbTopics + " registered twice", func(e *Engine) { e.global(VerbTopics, noView) }},
		{"a dialog window's verb twice", "dialog window verb " + VerbReceiptCheck + " registered twice", func(e *Engine) { e.windowView(VerbReceiptCheck, noView) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{Content: contenttest.Small()}) // the registrations New makes do not collide
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tc.want) {
					t.Fatalf("registering again: panic %v, want one naming %q", r, tc.want)
				}
			}()
			tc.again(e)
		})
	}
}

// renamed is a dialog under a name of its own, so only its verb collides.
type renamed struct{ quizFlow }

func (renamed) Name() string { return "quiz-renamed" }
