package match

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kk/graensen/dialogs/content"
)

// toyDocs and toyExamples are a tiny set to learn: three answers, a few
// words each and a few labelled questions.
var toyDocs = []Doc{
	{ID: "situation:touching", Words: content.Words{"da": {"rører ved mig", "tager på mig"}, "en": {"touches me", "grabbed"}}},
	{ID: "situation:online", Words: content.Words{"da": {"beskeder", "billeder på snap"}, "en": {"messages", "pictures"}}},
	{ID: "topic:unit", Words: content.Words{"da": {"enheden", "kontakte"}, "en": {"the unit", "contact"}}},
}

var toyExamples = []Example{
	{"da", "min kollega rører hele tiden ved min arm", []string{"situation:touching"}},
	{"da", "han tog fat i mig til julefrokosten", []string{"situation:touching"}},
	{"en", "he keeps grabbing my waist at work", []string{"situation:touching"}},
	{"da", "han sender mig beskeder om natten", []string{"situation:online"}},
	{"en", "she sent me pictures on snapchat late at night", []string{"situation:online"}},
	{"en", "he texts me messages all the time", []string{"situation:online"}},
	{"da", "hvordan kontakter jeg enheden", []string{"topic:unit"}},
	{"en", "how do I contact the unit", []string{"topic:unit"}},
}

// TestRankerLearnsToy: the ranker learns the toy set and ranks unseen
// paraphrases right (an inflection, a typo, another word order), and the
// same input gives the same model.
func TestRankerLearnsToy(t *testing.T) {
	ids := []string{"situation:touching", "situation:online", "topic:unit"}
	rankers.Clear()
	r := learn(ids, toyDocs, toyExamples)
	for q, want := range map[string]string{
		"my coworker grabbed my arm at the party":  "situation:touching",
		"kollegaen rørte ved min arm igen":         "situation:touching",
		"he sends me messges at night":             "situation:online",
		"kan jeg kontakte enhden":                  "topic:unit",
		"who do i contact in the unit about this?": "topic:unit",
		"han sendte mig et billede på snap i nat":  "situation:online",
	} {
		p := r.probs(q)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		if ids[best] != want {
			t.Errorf("%q: %s (%v), want %s", q, ids[best], p, want)
		}
	}
	rankers.Clear()
	again := learn(ids, toyDocs, toyExamples)
	if again == r {
		t.Fatal("the ranker was not trained again")
	}
	for _, q := range []string{"he grabbed me", "beskeder", "enheden"} {
		if a, b := fmt.Sprint(r.probs(q)), fmt.Sprint(again.probs(q)); a != b {
			t.Errorf("%q: not deterministic: %s vs %s", q, a, b)
		}
	}
	if !slices.Equal(r.logp, again.logp) {
		t.Error("two trainings on the same input gave different models")
	}
	if cached := learn(ids, toyDocs, toyExamples); cached != again {
		t.Error("the same training input was not served from the cache")
	}
	if p := r.probs("?! 123"); slices.Max(p) != 0 {
		t.Errorf("no known feature: %v, want all zero", p)
	}
}

// TestTrainingSets: the ranker learns only from sets named in
// trainingSets, each a set evalset knows by name and measured before it was
// learnt from; a blind set written after round 9 (fresh8) is never learnt from.
func TestTrainingSets(t *testing.T) {
	known := []string{"train", "main", "heldout", "fresh", "fresh2", "practice", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7"}
	for _, s := range trainingSets {
		if !slices.Contains(known, s) {
			t.Errorf("the ranker learns from %q, not a set measured before round 10", s)
		}
	}
	if n := len(Training()); n < 1600 {
		t.Errorf("%d training questions, want the eleven sets (over 1600)", n)
	}
}

// BenchmarkDecide is one Decide call of the bot's matcher (word lists and
// the learned ranker) over questions of the training sets.
func BenchmarkDecide(b *testing.B) {
	m := NewLearned(benchDocs(), Training())
	qs := Training()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := qs[i%len(qs)]
		m.Decide(q.Lang, q.Text)
	}
}

// BenchmarkLearn is training the ranker once (no cache).
func BenchmarkLearn(b *testing.B) {
	docs, ex := benchDocs(), Training()
	m := New(docs)
	for b.Loop() {
		rankers.Clear()
		learn(m.ids, docs, ex)
	}
}

// benchDocs are the library's documents with titles by id (no locales: the
// word lists carry the weight).
func benchDocs() []Doc {
	return LibraryDocs(content.MustLoad(), nil)
}
