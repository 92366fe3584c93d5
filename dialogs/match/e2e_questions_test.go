package match_test

import (
	"slices"
	"testing"
)

// TestTheEndToEndSuitesQuestions pins the free-text questions the
// Playground suite (e2e/playground.test.mjs) types, so a change of the
// word lists or the learned ranker that would move them fails here, in
// seconds, rather than in the browser.
func TestTheEndToEndSuitesQuestions(t *testing.T) {
	m := testMatcher(t)
	for _, c := range []struct{ lang, text, best, choice string }{
		{"en", "Who is responsible?", "topic:responsibility", ""},
		{"da", "hvad er sexisme?", "topic:sexism", ""},
		{"en", "he pinched my bum at the christmas party", "situation:touching", ""},
		// one word many answers share: a short choice, not a guess
		{"en", "harassment", "", "topic:sexual-harassment"},
	} {
		d := m.Decide(c.lang, c.text)
		if d.Best != c.best || (c.choice != "" && !slices.Contains(d.Choices, c.choice)) {
			t.Errorf("%s %q: best %q, choices %v; the e2e suite expects best %q (choice %q)", c.lang, c.text, d.Best, d.Choices, c.best, c.choice)
		}
	}
}
