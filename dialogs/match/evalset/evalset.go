// Package evalset is the labelled evaluation set of the free-text matcher
// (issue 13): questions in Danish and English with the document that
// should answer them, kept apart from the word lists the matcher is built
// from (dialogs/content), so it measures answers to unseen questions.
//
// `go run ./cmd/graensen matcheval --lang da` prints the figures.
package evalset

import (
	"embed"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed *.tsv
var files embed.FS

// Case is one labelled question.
type Case struct {
	Lang string
	Text string
	Want []string // acceptable document ids
}

// Load reads the set of one language ("da" or "en").
func Load(lang string) ([]Case, error) { return LoadSet("", lang) }

// Sets are the names LoadSet knows: "" (or "main") is the first set
// (da.tsv, en.tsv); "heldout" is heldout.<lang>.tsv, written later without
// looking at the word lists (see its header and docs/matching.md); "fresh"
// is fresh.<lang>.tsv, written before the third round of changes and
// measured once after it; "fresh2" is fresh2.<lang>.tsv, written before the
// fourth round and measured once after it; "fresh3" is fresh3.<lang>.tsv,
// written blind (by someone who saw only the source and the answer
// catalogue) before the fifth round was measured on it, and measured once;
// "practice" is practice.<lang>.tsv, written in the fifth round to tune on
// (not a held-out measurement); "fresh4" is fresh4.<lang>.tsv, written
// blind like fresh3 before the learned ranker (round 6) was measured on it,
// and measured once; "train" is train.<lang>.tsv, written in round 7 for
// the learned ranker to learn from (not a measurement). Round 7's ranker
// learns from all of these (docs/matching.md); a set written later as a
// blind measurement is never listed here before it has been measured.
// "fresh5" (measured after round 7, learnt from in round 8) and "fresh6"
// (measured after round 8, learnt from in round 9), "fresh7" (measured
// after round 9, learnt from in round 10) and "fresh8" (measured after
// round 10, learnt from in round 11) were written blind likewise. "train2"
// and "train3" (train2.<lang>.tsv, train3.<lang>.tsv) were written blind
// from the source and the answer catalogue in round 11 for the ranker to
// learn from (not measurements). "fresh9" and "fresh10" were written blind
// before round 11, measured once after it and learnt from in round 12.
var Sets = []string{"main", "heldout", "fresh", "fresh2", "fresh3", "practice", "fresh4", "train", "fresh5", "fresh6", "fresh7", "fresh8", "train2", "train3", "fresh9", "fresh10", "fresh11", "fresh12"}

// LoadSet reads one language of a named set: "" or "main" is <lang>.tsv,
// any other name <name>.<lang>.tsv in this directory, so a new set needs
// only its two files (and a line in Sets once it is measured).
func LoadSet(set, lang string) ([]Case, error) {
	if lang != "da" && lang != "en" {
		return nil, fmt.Errorf("evalset: no set for %q", lang)
	}
	name := lang + ".tsv"
	if set != "" && set != "main" {
		if strings.ContainsAny(set, "./\\") {
			return nil, fmt.Errorf("evalset: no set %q", set)
		}
		name = set + "." + lang + ".tsv"
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("evalset: no set %q for %q (known: %s)", set, lang, strings.Join(Sets, ", "))
	}
	var out []Case
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, text, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("evalset %s line %d: want <id>TAB<question>", name, i+1)
		}
		out = append(out, Case{Lang: lang, Text: strings.TrimSpace(text), Want: strings.Split(want, "|")})
	}
	return out, nil
}

// Half returns every other case: half 1 the 1st, 3rd, 5th ... question
// (the tuning half of the held-out set, whose misses may be studied),
// half 2 the 2nd, 4th ... (the unseen half); any other value all of them.
func Half(cases []Case, half int) []Case {
	if half != 1 && half != 2 {
		return cases
	}
	var out []Case
	for i := half - 1; i < len(cases); i += 2 {
		out = append(out, cases[i])
	}
	return out
}

// Outcome is how one question was answered.
type Outcome int

// The outcomes: the right answer at once, the right answer among the
// "did you mean" choices, or not at all.
const (
	Direct Outcome = iota
	Suggested
	Missed
)

// Decide answers a question as the bot does: a confident best document, or
// up to three choices.
type Decide func(lang, text string) (best string, choices []string)

// Line is one evaluated question.
type Line struct {
	Case    Case
	Outcome Outcome
	Best    string
	Choices []string
}

// Report is the evaluation of one language.
type Report struct {
	Lang                      string
	Direct, Suggested, Missed int
	// TooManyChoices counts "did you mean" cards with more than three choices.
	TooManyChoices int
	Lines          []Line
}

// Total is the number of questions.
func (r Report) Total() int { return r.Direct + r.Suggested + r.Missed }

// DirectShare is the share answered directly, 0..1.
func (r Report) DirectShare() float64 {
	if r.Total() == 0 {
		return 0
	}
	return float64(r.Direct) / float64(r.Total())
}

// Run evaluates decide on cases.
func Run(lang string, cases []Case, decide Decide) Report {
	r := Report{Lang: lang}
	for _, c := range cases {
		best, choices := decide(c.Lang, c.Text)
		l := Line{Case: c, Best: best, Choices: choices, Outcome: Missed}
		switch {
		case best != "" && slices.Contains(c.Want, best):
			l.Outcome = Direct
			r.Direct++
		case best == "" && slices.ContainsFunc(choices, func(id string) bool { return slices.Contains(c.Want, id) }):
			l.Outcome = Suggested
			r.Suggested++
		default:
			r.Missed++
		}
		if len(choices) > 3 {
			r.TooManyChoices++
		}
		r.Lines = append(r.Lines, l)
	}
	return r
}

// Print writes the figures and every question not answered directly.
func (r Report) Print(w io.Writer, verbose bool) {
	n := max(1, r.Total())
	fmt.Fprintf(w, "%s: %d questions: direct %d (%.1f%%), suggested %d (%.1f%%), missed %d (%.1f%%)\n",
		r.Lang, r.Total(), r.Direct, 100*float64(r.Direct)/float64(n), r.Suggested, 100*float64(r.Suggested)/float64(n), r.Missed, 100*float64(r.Missed)/float64(n))
	for _, l := range r.Lines {
		if l.Outcome == Direct && !verbose {
			continue
		}
		kind := [...]string{"direct", "suggested", "missed"}[l.Outcome]
		fmt.Fprintf(w, "  %-9s %q want %s got best=%q choices=%v\n", kind, l.Case.Text, strings.Join(l.Case.Want, "|"), l.Best, l.Choices)
	}
}
