package match

import (
	"strings"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/english"
)

// maxRunes bounds how much of a message is looked at, so a pasted novel
// costs no more than a long question.
const maxRunes = 600

// minToken is the shortest token kept ("hr", "tr", "kk" are two letters).
const minToken = 2

// foldRune maps a lower-case rune to its folded spelling: the Danish
// letters as they are written without a Danish keyboard (æ→ae, ø→oe,
// å→aa), other Latin letters without their accents. Everything that is not
// a letter becomes a space. ok is false for a separator.
func foldRune(r rune) (string, bool) {
	switch r {
	case 'æ', 'ä':
		return "ae", true
	case 'ø', 'ö':
		return "oe", true
	case 'å':
		return "aa", true
	case 'ü':
		return "ue", true
	case 'ß':
		return "ss", true
	case 'é', 'è', 'ê', 'ë':
		return "e", true
	case 'á', 'à', 'â', 'ã':
		return "a", true
	case 'í', 'ì', 'î', 'ï':
		return "i", true
	case 'ó', 'ò', 'ô', 'õ':
		return "o", true
	case 'ú', 'ù', 'û':
		return "u", true
	case 'ý', 'ÿ':
		return "y", true
	case 'ñ':
		return "n", true
	case 'ç':
		return "c", true
	}
	if unicode.IsLetter(r) {
		return string(r), true
	}
	return "", false
}

// tokenize lower-cases and folds s and splits it into letter runs of at
// least minToken letters. Apostrophes end a token ("can't" → "can", "t").
func tokenize(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if n := b.Len(); n > 0 {
			t := b.String()
			// "i" is kept for the English first person (a stop word: it
			// counts only in the role and witness cues).
			if len([]rune(t)) >= minToken || t == "i" {
				out = append(out, t)
			}
			b.Reset()
		}
	}
	n := 0
	for _, r := range s {
		if n++; n > maxRunes {
			break
		}
		f, ok := foldRune(unicode.ToLower(r))
		if !ok {
			flush()
			continue
		}
		b.WriteString(f)
	}
	flush()
	return out
}

// contentTokens drops stop words, keeping order.
func contentTokens(toks []string) []string {
	out := toks[:0:0]
	for _, t := range toks {
		if !stopWords[t] {
			out = append(out, t)
		}
	}
	return out
}

// stems returns the Danish and the English Snowball stem of a folded token
// (one element when they agree). The stemmers see the folded spelling, on
// the index and on the query alike.
func stems(tok string) []string {
	env := snowballstem.NewEnv(tok)
	danish.Stem(env)
	da := env.Current()
	env.SetCurrent(tok)
	english.Stem(env)
	en := env.Current()
	if da == "" {
		da = tok
	}
	if en == "" || en == da {
		return []string{da}
	}
	return []string{da, en}
}

// loose is a coarser spelling for text typed without Danish letters: "toj"
// for tøj, "hjalp" for hjælp, "handtering" for håndtering. The folded forms
// ae, oe and aa collapse to one letter.
func loose(tok string) string {
	r := strings.NewReplacer("aa", "a", "ae", "a", "oe", "o")
	return r.Replace(tok)
}

// distance is the optimal-string-alignment Damerau-Levenshtein distance of
// a and b, or max+1 when it is larger than max.
func distance(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	// rows i-2, i-1 and i of the dynamic programme.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(b)] > max {
		return max + 1
	}
	return prev[len(b)]
}

// fuzzyMax is how many edits a token of n letters may have and still match
// a word of the vocabulary.
func fuzzyMax(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}
