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
