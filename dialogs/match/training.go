package match

import "github.com/kk/graensen/dialogs/match/evalset"

// trainingSets are the labelled sets the ranker learns from, by name.
// fresh3 is the validation set the ranker's settings were chosen on, and
// later sets are blind measurements: neither is ever learnt from.
var trainingSets = []string{"main", "heldout", "fresh", "fresh2", "practice"}

// Training returns the labelled questions of trainingSets in both
// languages, in a fixed order.
func Training() []Example {
	var out []Example
	for _, set := range trainingSets {
		for _, lang := range langs {
			cases, err := evalset.LoadSet(set, lang)
			if err != nil {
				panic("match: training set " + set + "." + lang + ": " + err.Error()) // embedded: a programmer error
			}
			for _, c := range cases {
				out = append(out, Example{Lang: c.Lang, Text: c.Text, Want: c.Want})
			}
		}
	}
	return out
}
