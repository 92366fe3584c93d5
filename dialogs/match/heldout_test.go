package match_test

import (
	"strings"
	"testing"

	"github.com/kk/graensen/dialogs/match/evalset"
)

// heldOutFloor is the number of questions of each half of the held-out set
// (dialogs/match/evalset/heldout.*.tsv) answered directly when the figures
// in docs/matching.md were taken. Half 1 is the tuning half (its misses
// were studied while improving the matcher), half 2 the unseen half (its
// misses were not). The test fails when the matcher answers fewer
// directly than the floor, one question under the measured figure:
// raise the floors with the docs when it improves, never lower
// them to make a change pass.
var heldOutFloor = map[string][2]int{
	"da": {35, 35}, // measured 36 and 36 of 36 and 36 (round 7, learnt from)
	"en": {34, 34}, // measured 35 and 35 of 35 and 35 (round 7, learnt from)
}

// TestHeldOutSet holds the matcher to its measured figures on the held-out
// set, which was written without looking at the word lists, and to at most
// three "did you mean" choices.
func TestHeldOutSet(t *testing.T) {
	m := testMatcher(t)
	for _, lang := range []string{"da", "en"} {
		all, err := evalset.LoadSet("heldout", lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 60 {
			t.Fatalf("%s: the held-out set has %d questions, want at least 60", lang, len(all))
		}
		for half := 1; half <= 2; half++ {
			rep := evalset.Run(lang, evalset.Half(all, half), func(l, q string) (string, []string) {
				d := m.Decide(l, q)
				return d.Best, d.Choices
			})
			var b strings.Builder
			rep.Print(&b, false)
			t.Logf("half %d: %s", half, b.String())
			if floor := heldOutFloor[lang][half-1]; rep.Direct < floor {
				t.Errorf("%s half %d: %d answered directly, want at least %d (docs/matching.md)", lang, half, rep.Direct, floor)
			}
			if rep.TooManyChoices > 0 {
				t.Errorf("%s half %d: %d answers offered more than three choices", lang, half, rep.TooManyChoices)
			}
		}
	}
}

// freshFloor is one under the number of questions of the fresh set
// (dialogs/match/evalset/fresh.*.tsv) answered directly when it was
// measured, once, after round 3 (da 65, en 62 of 82), then tuned on in
// round 4 (da 79, en 78 of 82), then learnt from by the ranker of round 6
// (da 80, en 81) and round 7 (da 82, en 82; see docs/matching.md).
var freshFloor = map[string]int{"da": 81, "en": 81}

// TestFreshSet holds the matcher to its measured figures on the fresh set
// and to at most three "did you mean" choices.
func TestFreshSet(t *testing.T) { checkFloor(t, "fresh", 60, freshFloor) }

// fresh2Floor is one under the number of questions of the second fresh set
// (dialogs/match/evalset/fresh2.*.tsv) answered directly when it was
// measured, once, after round 4 (docs/matching.md: da 52, en 54 of 61),
// then tuned on in round 5 (da 57, en 57 of 61) and learnt from in round 6
// (da 60, en 59) and round 7 (da 61, en 61).
var fresh2Floor = map[string]int{"da": 60, "en": 60}

// TestFresh2Set holds the matcher to its measured figures on the second
// fresh set and to at most three "did you mean" choices.
func TestFresh2Set(t *testing.T) { checkFloor(t, "fresh2", 50, fresh2Floor) }

// practiceFloor is one under the number of questions of the practice set
// (dialogs/match/evalset/practice.*.tsv, written in round 5 to tune on, not
// a held-out measurement) answered directly after round 5 (da 72, en 70 of
// 84), after round 6, which learnt from it (da 76, en 80), after round 7
// (da 82, en 84), after round 11 (da 83, en 84) and after round 12 (da
// 84, en 84).
var practiceFloor = map[string]int{"da": 83, "en": 83}

// TestPracticeSet holds the matcher to its figures on the practice set and
// to at most three "did you mean" choices.
func TestPracticeSet(t *testing.T) { checkFloor(t, "practice", 80, practiceFloor) }

// fresh3Floor is one under the number of questions of the third fresh set
// (dialogs/match/evalset/fresh3.*.tsv) answered directly after round 6 (da
// 56, en 57 of 70; blind after round 5: da 46, en 45). fresh3 was the
// validation set of round 6's learned ranker: its settings were chosen on
// it (never trained on it), so the figure flatters unseen questions a little.
// Round 7 learns from it (da 68, en 68 of 70; after round 11 da 69, en
// 69; after round 12 da 70, en 69); its honest figure is the
// cross-validation's (docs/matching.md).
var fresh3Floor = map[string]int{"da": 69, "en": 68}

// TestFresh3Set holds the matcher to its figures on the third fresh set and
// to at most three "did you mean" choices.
func TestFresh3Set(t *testing.T) { checkFloor(t, "fresh3", 60, fresh3Floor) }

// checkFloor runs one set in both languages: at least size questions each,
// at least floor[lang] answered directly, never more than three choices.
func checkFloor(t *testing.T, set string, size int, floor map[string]int) {
	t.Helper()
	m := testMatcher(t)
	for _, lang := range []string{"da", "en"} {
		cases, err := evalset.LoadSet(set, lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) < size {
			t.Fatalf("%s: the %s set has %d questions, want at least %d", lang, set, len(cases), size)
		}
		rep := evalset.Run(lang, cases, func(l, q string) (string, []string) {
			d := m.Decide(l, q)
			return d.Best, d.Choices
		})
		if rep.Direct < floor[lang] {
			t.Errorf("%s %s: %d answered directly, want at least %d (docs/matching.md)", set, lang, rep.Direct, floor[lang])
		}
		if rep.TooManyChoices > 0 {
			t.Errorf("%s %s: %d answers offered more than three choices", set, lang, rep.TooManyChoices)
		}
	}
}

// fresh4Floor is one under the number of questions of the fourth fresh set
// (dialogs/match/evalset/fresh4.*.tsv) answered directly after round 7,
// which learnt from it (da 68, en 68 of 70; blind after round 6: da 48, en
// 51), after round 11 (da 70, en 70) and after round 12 (da 69, en 70).
// Its honest figure is the
// cross-validation's (docs/matching.md).
var fresh4Floor = map[string]int{"da": 69, "en": 69}

// TestFresh4Set holds the matcher to its figures on the fourth fresh set and
// to at most three "did you mean" choices.
func TestFresh4Set(t *testing.T) { checkFloor(t, "fresh4", 60, fresh4Floor) }

// trainFloor is one under the number of questions of the training set
// (dialogs/match/evalset/train.*.tsv, written in round 7 for the ranker to
// learn from, extended in rounds 8 and 10) answered directly after round 10
// (da 337, en 335 of 345; after round 8: da 308, en 322 of 335; after
// round 7: da 226, en 233 of 241) and after round 12 (da 340, en 337).
var trainFloor = map[string]int{"da": 339, "en": 336}

// TestTrainSet holds the matcher to its figures on the training set and to
// at most three "did you mean" choices.
func TestTrainSet(t *testing.T) { checkFloor(t, "train", 200, trainFloor) }

// fresh5Floor is one under the number of questions of the fifth fresh set
// (dialogs/match/evalset/fresh5.*.tsv) answered directly after round 8,
// which learnt from it (da 78, en 78 of 80; blind after round 7: da 71, en
// 67), and after round 11 (da 80, en 80). Its honest figure is the
// cross-validation's (docs/matching.md).
var fresh5Floor = map[string]int{"da": 79, "en": 79}

// TestFresh5Set holds the matcher to its figures on the fifth fresh set and
// to at most three "did you mean" choices.
func TestFresh5Set(t *testing.T) { checkFloor(t, "fresh5", 70, fresh5Floor) }

// fresh6Floor is one under the number of questions of the sixth fresh set
// (dialogs/match/evalset/fresh6.*.tsv) answered directly after round 9,
// which learnt from it (da 79, en 79 of 80; measured blind after round 8:
// da 66, en 69), and after round 11 (da 80, en 80).
var fresh6Floor = map[string]int{"da": 79, "en": 79}

// TestFresh6Set holds the matcher to its measured figures on the sixth
// fresh set and to at most three "did you mean" choices.
func TestFresh6Set(t *testing.T) { checkFloor(t, "fresh6", 70, fresh6Floor) }

// fresh7Floor is one under the number of questions of the seventh fresh
// set (dialogs/match/evalset/fresh7.*.tsv) answered directly after round
// 10, which learnt from it (da 80, en 80 of 80; measured blind after round
// 9: da 70, en 69, with "who do I call" relabelled to the unit's page 71,
// 70).
var fresh7Floor = map[string]int{"da": 79, "en": 79}

// TestFresh7Set holds the matcher to its figures on the seventh fresh set
// and to at most three "did you mean" choices.
func TestFresh7Set(t *testing.T) { checkFloor(t, "fresh7", 70, fresh7Floor) }

// fresh8Floor is one under the number of questions of the eighth fresh set
// (dialogs/match/evalset/fresh8.*.tsv) answered directly after round 11,
// which learnt from it (da 80, en 80 of 80; measured blind after round 10:
// da 69, en 69).
var fresh8Floor = map[string]int{"da": 79, "en": 79}

// TestFresh8Set holds the matcher to its figures on the eighth fresh set
// and to at most three "did you mean" choices.
func TestFresh8Set(t *testing.T) { checkFloor(t, "fresh8", 70, fresh8Floor) }

// fresh9Floor and fresh10Floor are one under the number of questions of
// the ninth and tenth fresh sets (dialogs/match/evalset/fresh9.*.tsv,
// fresh10.*.tsv) answered directly after round 12, which learnt from them
// (da 80, en 80 of 80 each; measured blind after round 11: fresh9 da 74,
// en 74; fresh10 da 71, en 74).
var (
	fresh9Floor  = map[string]int{"da": 79, "en": 79}
	fresh10Floor = map[string]int{"da": 79, "en": 79}
)

// TestFresh9Set and TestFresh10Set hold the matcher to its figures on the
// ninth and tenth fresh sets and to at most three "did you mean" choices.
func TestFresh9Set(t *testing.T)  { checkFloor(t, "fresh9", 70, fresh9Floor) }
func TestFresh10Set(t *testing.T) { checkFloor(t, "fresh10", 70, fresh10Floor) }

// train2Floor and train3Floor are one under the number of questions of the
// training sets written blind in round 11 (dialogs/match/evalset/train2.*.tsv,
// train3.*.tsv) answered directly after round 11, which learnt from them
// (train2: da 159, en 160 of 160; train3: da 155, en 158 of 160), and
// after round 12 (train2: da 160, en 160; train3: da 156, en 159).
var (
	train2Floor = map[string]int{"da": 159, "en": 159}
	train3Floor = map[string]int{"da": 155, "en": 158}
)

// TestTrain2Set and TestTrain3Set hold the matcher to its figures on the
// round-11 training sets and to at most three "did you mean" choices.
func TestTrain2Set(t *testing.T) { checkFloor(t, "train2", 150, train2Floor) }
func TestTrain3Set(t *testing.T) { checkFloor(t, "train3", 150, train3Floor) }

// fresh11Floor and fresh12Floor are one under the number of questions of
// the eleventh and twelfth fresh sets (dialogs/match/evalset/fresh11.*.tsv,
// fresh12.*.tsv) answered directly when they were measured blind, once,
// after round 12 (fresh11 da 76, en 75; fresh12 da 72, en 74 of 80 each;
// fresh12 da 73 after the fix that followed, docs/matching.md "After
// fresh12"). They are issue 13's latest unseen figures and are not learnt
// from: these floors keep a later change from quietly losing them.
var (
	fresh11Floor = map[string]int{"da": 75, "en": 74}
	fresh12Floor = map[string]int{"da": 72, "en": 73}
)

// TestFresh11Set and TestFresh12Set hold the matcher to its blind figures
// on the eleventh and twelfth fresh sets and to at most three "did you
// mean" choices.
func TestFresh11Set(t *testing.T) { checkFloor(t, "fresh11", 70, fresh11Floor) }
func TestFresh12Set(t *testing.T) { checkFloor(t, "fresh12", 70, fresh12Floor) }
