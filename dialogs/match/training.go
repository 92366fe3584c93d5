package match

import "github.com/kk/graensen/dialogs/match/evalset"

// trainingSets are the labelled sets the ranker learns from, by explicit
// name (rounds 7 to 12, docs/matching.md): the training sets written for
// it (train, and train2 and train3 written blind by outsiders in round
// 11), the sets tuned on in earlier rounds and the blind sets fresh3 to
// fresh10, each measured before a round learnt from it (fresh9 and
// fresh10 after round 11, learnt from in round 12). A set written later as
// a blind measurement (fresh11, fresh12) is never named here before it has
// been measured.
var trainingSets = []string{"train", "main", "heldout", "fresh", "fresh2", "practice", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "train2", "train3", "fresh9", "fresh10"}

// setWeights weigh the questions of a set against 1 (a set not named).
// Round 11 tried weighing the training sets or the blind sets up or down
// (GRAENSEN_CV_SETW): none gained in the cross-validation, so every set
// counts 1. A variable only so that the cross-validation test can try
// others.
var setWeights = map[string]float64{}

// Training returns the labelled questions of trainingSets in both
// languages, in a fixed order.
func Training() []Example { return trainingFrom(trainingSets) }

// trainingFrom returns the labelled questions of the named sets in both
// languages, in the order given (cross-validation leaves one set out).
func trainingFrom(sets []string) []Example {
	var out []Example
	for _, set := range sets {
		for _, lang := range langs {
			cases, err := evalset.LoadSet(set, lang)
			if err != nil {
				panic("match: training set " + set + "." + lang + ": " + err.Error()) // embedded: a programmer error
			}
			for _, c := range cases {
				out = append(out, Example{Lang: c.Lang, Text: c.Text, Want: c.Want, Weight: setWeights[set]})
			}
		}
	}
	return out
}
