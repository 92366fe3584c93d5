package match_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
	"github.com/kk/graensen/dialogs/match/evalset"
)

// plain lower-cases s and keeps its letters and digits, one space between
// words, so "Kan min chef se?" and "kan min chef se" compare equal.
func plain(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// TestEvalSetsApartFromWords: no question of any labelled set is, word for
// word, one of the examples (search words and phrases) the matcher is
// built from, so the sets measure questions the matcher did not learn. A
// question of one word ("chikane", "report") is exempt: it asks how a word
// many answers share is ranked, and that word is rightly an example.
func TestEvalSetsApartFromWords(t *testing.T) {
	examples := map[string]string{} // plain example -> doc id
	for _, d := range match.LibraryDocs(content.MustLoad(), nil) {
		for _, ws := range d.Words {
			for _, w := range ws {
				examples[plain(w)] = d.ID
			}
		}
	}
	if len(examples) < 100 {
		t.Fatalf("only %d examples found: the library did not load", len(examples))
	}
	for _, set := range evalset.Sets {
		for _, lang := range []string{"da", "en"} {
			cases, err := evalset.LoadSet(set, lang)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				if !strings.Contains(plain(c.Text), " ") {
					continue
				}
				if id, ok := examples[plain(c.Text)]; ok {
					t.Errorf("%s %s: %q is an example of %s", set, lang, c.Text, id)
				}
			}
		}
	}
}

// TestTrainApartFromSets: no question of a training set (train.*.tsv,
// written in round 7 for the ranker to learn from; train2 and train3,
// written blind in round 11) is, after plain, a question of another
// labelled set or of TestAccuracy's table, so what is measured on those
// sets and the table is not copied into the training sets.
func TestTrainApartFromSets(t *testing.T) {
	trainSets := map[string]int{"train": 200, "train2": 150, "train3": 150} // set -> least questions
	where := map[string][]string{}                                          // plain question -> where
	for _, q := range questions {
		where[plain(q.text)] = append(where[plain(q.text)], "TestAccuracy's table")
	}
	for _, set := range evalset.Sets {
		for _, lang := range []string{"da", "en"} {
			cases, err := evalset.LoadSet(set, lang)
			if err != nil {
				t.Fatal(err)
			}
			if least, ok := trainSets[set]; ok && len(cases) < least {
				t.Errorf("%s %s: %d questions, want at least %d", set, lang, len(cases), least)
			}
			for _, c := range cases {
				where[plain(c.Text)] = append(where[plain(c.Text)], set+" "+lang)
			}
		}
	}
	for _, set := range sortedNames(trainSets) {
		for _, lang := range []string{"da", "en"} {
			cases, err := evalset.LoadSet(set, lang)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				if ws := where[plain(c.Text)]; len(ws) > 1 {
					t.Errorf("%s %s: %q is a question of %v", set, lang, c.Text, ws)
				}
			}
		}
	}
}

// sortedNames are m's keys in order.
func sortedNames(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
