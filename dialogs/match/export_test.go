package match

import (
	"fmt"
	"strings"
)

// Explain shows, for test failures, what each content word of a question
// resolved to and which documents it found.
func (m *Matcher) Explain(text string) string {
	var b strings.Builder
	for _, tok := range contentTokens(tokenize(text)) {
		fmt.Fprintf(&b, "\t%s →", tok)
		for _, c := range m.resolve(tok) {
			fmt.Fprintf(&b, " %s(×%.2f, idf %.2f):", c.term, c.w, m.idf[c.term])
			for _, n := range sortedKeys(m.post[c.term]) {
				fmt.Fprintf(&b, " %s=%.2f", m.ids[n], m.post[c.term][n])
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TrainingFrom and TrainingSets are for the cross-validation test.
var (
	TrainingFrom = trainingFrom
	TrainingSets = trainingSets
)

// LearnSettings sets the learning settings (cross-validation) and returns
// a function that restores them; trained rankers are forgotten.
func LearnSettings(alpha, words, blendShare, veto float64) (restore func()) {
	a, w, b, v := nbAlpha, wordsWeight, blend, vetoShare
	nbAlpha, wordsWeight, blend, vetoShare = alpha, words, blendShare, veto
	rankers.Clear()
	return func() {
		nbAlpha, wordsWeight, blend, vetoShare = a, w, b, v
		rankers.Clear()
	}
}

// SetBlend sets only the blend and the veto (no training needed) and
// returns a function that restores them.
func SetBlend(blendShare, veto float64) (restore func()) {
	b, v := blend, vetoShare
	blend, vetoShare = blendShare, veto
	return func() { blend, vetoShare = b, v }
}

// SetWeights sets how much the questions of each named set count in
// training (cross-validation) and returns a function that restores them;
// trained rankers are forgotten.
func SetWeights(w map[string]float64) (restore func()) {
	old := setWeights
	setWeights = w
	rankers.Clear()
	return func() {
		setWeights = old
		rankers.Clear()
	}
}

// NBAlpha, WordsWeight and Blend are the current learning settings.
func NBAlpha() float64     { return nbAlpha }
func WordsWeight() float64 { return wordsWeight }
func Blend() float64       { return blend }
