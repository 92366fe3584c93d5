package match_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kk/graensen/dialogs/match"
	"github.com/kk/graensen/dialogs/match/evalset"
)

// cvSets are the sets cross-validation holds out, one at a time: the
// ranker is trained without the held-out set and measured on it (fresh7
// from round 10, fresh8 from round 11, fresh9 and fresh10 from round 12).
// The training sets (train, train2,
// train3) are never held out: they are not measurements.
var cvSets = []string{"fresh2", "practice", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10"}

// round6Sets are the sets round 6's ranker learnt from.
var round6Sets = []string{"main", "heldout", "fresh", "fresh2", "practice"}

// TestCrossValidation (GRAENSEN_CV=1; slow) is the leave-one-set-out
// cross-validation of rounds 7 to 12 (docs/matching.md): for each set of
// cvSets, train without it and count its questions answered directly, for
// the round-6 training sets and settings, round 7's settings and the
// current ones, and (GRAENSEN_CV=grid) over a grid of settings
// (GRAENSEN_CV_ALPHA, _WORDS, _BLEND, _VETO: comma-separated values).
// GRAENSEN_CV=now runs the current settings only, GRAENSEN_CV=misses logs
// every held-out question not answered directly, GRAENSEN_CV_SETW=train=0.5
// weighs a set's questions. TestAccuracy's table is counted too.
func TestCrossValidation(t *testing.T) {
	mode := os.Getenv("GRAENSEN_CV")
	if mode == "" {
		t.Skip("GRAENSEN_CV=1 runs the cross-validation")
	}
	docs, _ := testDocs()
	type learnt struct {
		held []*match.Matcher // one per cvSets, trained without it
		all  *match.Matcher   // trained on every set, for the table
	}
	train := func(base []string, alpha, words float64) learnt {
		restore := match.LearnSettings(alpha, words, 0.6, 0.01)
		defer restore()
		var l learnt
		for _, held := range cvSets {
			sets := slices.DeleteFunc(slices.Clone(base), func(x string) bool { return x == held })
			l.held = append(l.held, match.NewLearned(docs, match.TrainingFrom(sets)))
		}
		l.all = match.NewLearned(docs, match.TrainingFrom(base))
		return l
	}
	measure := func(l learnt, blend, veto float64, misses bool) string {
		restore := match.SetBlend(blend, veto)
		defer restore()
		var out []string
		sum, falseUrgent := 0, 0
		for i, held := range cvSets {
			for _, lang := range []string{"da", "en"} {
				cases, err := evalset.LoadSet(held, lang)
				if err != nil {
					t.Fatal(err)
				}
				rep := evalset.Run(lang, cases, func(lg, q string) (string, []string) {
					d := l.held[i].Decide(lg, q)
					return d.Best, d.Choices
				})
				sum += rep.Direct
				wrong := 0 // answered directly, wrongly
				for _, l := range rep.Lines {
					if l.Outcome != evalset.Direct && l.Best != "" {
						wrong++
						if l.Best == "situation:assault" {
							falseUrgent++ // the urgent card where nothing dangerous is told
						}
						if misses {
							t.Logf("held-out miss %s %s %q want %v got %s", held, lang, l.Case.Text, l.Case.Want, l.Best)
						}
					} else if l.Outcome != evalset.Direct && misses {
						t.Logf("held-out card %s %s %q want %v choices %v", held, lang, l.Case.Text, l.Case.Want, l.Choices)
					}
				}
				out = append(out, fmt.Sprintf("%s %s %d/%d (wrong %d)", held, lang, rep.Direct, rep.Total(), wrong))
			}
		}
		table := 0
		for _, q := range questions {
			d := l.all.Decide(q.lang, q.text)
			if q.right(firstAnswer(d)) {
				table++
			} else if misses {
				t.Logf("table miss %q want %s got %s %v", q.text, q.want, d.Best, d.Choices)
			}
		}
		return fmt.Sprintf("sum %d false assault %d table %d/%d: %s", sum, falseUrgent, table, len(questions), strings.Join(out, ", "))
	}
	if w := os.Getenv("GRAENSEN_CV_SETW"); w != "" {
		// GRAENSEN_CV_SETW=train=0.5,fresh8=2: how much each set's questions count.
		weights := map[string]float64{}
		for _, kv := range strings.Split(w, ",") {
			k, v, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("GRAENSEN_CV_SETW: %v", err)
			}
			weights[strings.TrimSpace(k)] = x
		}
		defer match.SetWeights(weights)()
	}
	if mode != "now" {
		r6 := train(round6Sets, 0.01, 0.5)
		t.Logf("round 6 sets, round 6 settings: %s", measure(r6, 0.6, 0.01, false))
		r7 := train(match.TrainingSets, 0.01, 0.5)
		t.Logf("the current sets, round 6 settings: %s", measure(r7, 0.6, 0.01, false))
	}
	now := train(match.TrainingSets, match.NBAlpha(), match.WordsWeight())
	t.Logf("the current settings (every question blended): %s", measure(now, match.Blend(), 1, mode == "misses"))
	if mode != "grid" {
		return
	}
	for _, alpha := range gridValues(t, "GRAENSEN_CV_ALPHA", 0.003, 0.01, 0.03) {
		for _, words := range gridValues(t, "GRAENSEN_CV_WORDS", 0.25, 0.5, 1) {
			l := train(match.TrainingSets, alpha, words)
			for _, blend := range gridValues(t, "GRAENSEN_CV_BLEND", 0.4, 0.5, 0.6, 0.7, 0.8) {
				for _, veto := range gridValues(t, "GRAENSEN_CV_VETO", 0.01, 0.05, 0.2, 1) {
					t.Logf("alpha %g words %g blend %g veto %g: %s", alpha, words, blend, veto, measure(l, blend, veto, false))
				}
			}
		}
	}
}

// gridValues are the grid's values of one setting: the comma-separated
// numbers in the environment variable env (GRAENSEN_CV_ALPHA, _WORDS,
// _BLEND, _VETO), else def.
func gridValues(t *testing.T, env string, def ...float64) []float64 {
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	var out []float64
	for _, f := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		out = append(out, x)
	}
	return out
}
