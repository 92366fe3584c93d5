package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match/evalset"
	"github.com/kk/graensen/locales"
)

// matchEval prints how the free-text matcher answers the labelled
// evaluation set (dialogs/match/evalset): direct / suggested / missed, and
// the questions not answered directly (-v: all of them).
func matchEval(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("matcheval", flag.ContinueOnError)
	fs.SetOutput(out)
	lang := fs.String("lang", "da", "the language of the set: da or en")
	set := fs.String("set", "main", "the labelled set: main or the name of any <name>.<lang>.tsv in dialogs/match/evalset (heldout, fresh, fresh2 … fresh8, practice, train)")
	half := fs.Int("half", 0, "1: only the 1st, 3rd ... question (the held-out set's tuning half), 2: only the 2nd, 4th ... (its unseen half), 0: all")
	figures := fs.Bool("figures", false, "print the figures only, no questions")
	verbose := fs.Bool("v", false, "list every question, not only those not answered directly")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cases, err := evalset.LoadSet(*set, *lang)
	if err != nil {
		return err
	}
	cases = evalset.Half(cases, *half)
	r := cards.New(locales.MustBundle())
	m := newMatcher(r, content.MustLoad())
	rep := evalset.Run(*lang, cases, func(l, q string) (string, []string) {
		d := m.Decide(l, q)
		return d.Best, d.Choices
	})
	if *figures {
		rep.Lines = nil
	}
	rep.Print(out, *verbose)
	if rep.TooManyChoices > 0 {
		fmt.Fprintf(out, "  %d answers offered more than three choices\n", rep.TooManyChoices)
	}
	return nil
}
