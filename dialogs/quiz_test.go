package dialogs_test

import (
	"slices"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
)

// The dilemma quiz as transcripts: every case, the explanation after each
// answer, the score, and stale or repeated clicks that must not count twice.

// quizCard is the one card of a turn.
func quizCard(t *testing.T, r dialogs.Result) dialogs.Card {
	t.Helper()
	cs := r.Cards()
	if len(cs) != 1 {
		t.Fatalf("want one card, got %v", cardsOf(r))
	}
	return cs[0]
}

// quizButton finds the button with that label on a card.
func quizButton(t *testing.T, c dialogs.Card, label string) map[string]string {
	t.Helper()
	acts := slices.Clone(c.Actions)
	for _, b := range c.Blocks {
		acts = append(acts, b.Actions...)
	}
	for _, a := range acts {
		if a.Label.ID == label {
			return a.Data
		}
	}
	t.Fatalf("card %s has no button %s", c.Name, label)
	return nil
}

// quizScore reads N and Of from the score card.
func quizScore(t *testing.T, c dialogs.Card) (n, of int) {
	t.Helper()
	for _, b := range c.Blocks {
		if b.Msg.ID == "quiz.ui.score.text" {
			return b.Msg.Data["N"].(int), b.Msg.Data["Of"].(int)
		}
	}
	t.Fatalf("card %s has no score", c.Name)
	return 0, 0
}

// quizPick answers case i: the source's answer for even cases, "it depends"
// for every third, and a different answer otherwise.
func quizPick(i int, answer string) string {
	switch {
	case i%3 == 2:
		return "depends"
	case i%2 == 0:
		return answer
	case answer == "neither":
		return "sexism"
	}
	return "neither"
}

func TestQuizEveryCaseAndTheScoreInBothLanguages(t *testing.T) {
	cases := contenttest.Small().Quiz // the library newSession runs on
	if len(cases) == 0 {
		t.Fatal("no quiz cases")
	}
	for _, tc := range []struct {
		name, locale string
		lang         dialogs.Lang
		scope        dialogs.Scope
	}{
		{"da-DK", "da-DK", dialogs.Danish, dialogs.ScopePersonal},
		{"en-US", "en-US", dialogs.English, dialogs.ScopePersonal},
		{"channel", "da-DK", dialogs.Danish, dialogs.ScopeChannel}, // a team plays together
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.locale)
			s.scope = tc.scope
			r := s.click(actionFor(t, s.say("menu"), "core.menu.quiz"))
			matched := 0
			for i, q := range cases {
				checkCards(t, r)
				if r.Lang != tc.lang {
					t.Fatalf("case %d in %s", i, r.Lang)
				}
				c := quizCard(t, r)
				if c.Name != "quiz:case:"+q.ID {
					t.Fatalf("case %d: card %s", i, c.Name)
				}
				ids := c.MsgIDs()
				for _, want := range []string{"quiz." + q.ID + ".case", "quiz.ui.answer.sexism", "quiz.ui.answer.harassment",
					"quiz.ui.answer.neither", "quiz.ui.answer.depends"} {
					if !slices.Contains(ids, want) {
						t.Errorf("case %s lacks %s", q.ID, want)
					}
				}
				if (i == 0) != slices.Contains(ids, "quiz.ui.intro") {
					t.Errorf("case %d: intro shown %v", i, !(i == 0))
				}
				pick := quizPick(i, q.Answer)
				if pick == q.Answer {
					matched++
				}
				r = s.click(quizButton(t, c, "quiz.ui.answer."+pick))
				checkCards(t, r)
				c = quizCard(t, r)
				if c.Name != "quiz:explain:"+q.ID {
					t.Fatalf("after answering %s: %s", q.ID, c.Name)
				}
				ids = c.MsgIDs()
				feedback := "quiz.ui.nomatch"
				if pick == q.Answer {
					feedback = "quiz.ui.match"
				} else if pick == "depends" {
					feedback = "quiz.ui.depends"
				}
				for _, want := range []string{feedback, "quiz." + q.ID + ".explain", "quiz.ui.answer." + pick, "quiz.ui.answer." + q.Answer} {
					if !slices.Contains(ids, want) {
						t.Errorf("explanation of %s lacks %s: %v", q.ID, want, ids)
					}
				}
				next := "quiz.ui.next"
				if i == len(cases)-1 {
					next = "quiz.ui.finish"
				}
				r = s.click(quizButton(t, c, next))
			}
			checkCards(t, r)
			c := quizCard(t, r)
			if c.Name != "quiz:score" {
				t.Fatalf("end: %s", c.Name)
			}
			if n, of := quizScore(t, c); n != matched || of != len(cases) {
				t.Fatalf("score %d of %d, want %d of %d", n, of, matched, len(cases))
			}
			if !slices.Contains(c.MsgIDs(), "quiz.ui.score.reallife") {
				t.Error("the score has no note on real life")
			}
			if len(s.st.Stack) != 0 || r.ProfileChanged {
				t.Fatalf("after the quiz: stack %+v, profile changed %v", s.st.Stack, r.ProfileChanged)
			}
			// Again starts from the first case.
			if got := cardsOf(s.click(quizButton(t, c, "quiz.ui.again"))); !slices.Equal(got, []string{"quiz:case:" + cases[0].ID}) {
				t.Fatalf("again: %v", got)
			}
		})
	}
}

func TestQuizStaleAndRepeatedClicksDoNotCountTwice(t *testing.T) {
	cases := contenttest.Small().Quiz // the library newSession runs on
	if len(cases) < 3 {
		t.Fatalf("the fixture library has %d quiz cases; this test needs three", len(cases))
	}
	for _, loc := range []string{"da-DK", "en-US"} {
		t.Run(loc, func(t *testing.T) {
			s := newSession(t, loc)
			case0 := quizCard(t, s.say("quiz"))
			right0 := quizButton(t, case0, "quiz.ui.answer."+cases[0].Answer)

			// The right answer, then a double click and another answer on
			// the same card: counted once, and the first answer stands.
			explain0 := quizCard(t, s.click(right0))
			for _, again := range []map[string]string{right0, quizButton(t, case0, "quiz.ui.answer.depends")} {
				r := s.click(again)
				checkCards(t, r)
				ids := msgIDs(r)
				if ids[0] != "quiz.ui.already" || quizCard(t, r).Name != "quiz:explain:"+cases[0].ID {
					t.Fatalf("repeated answer: %v %v", cardsOf(r), ids)
				}
				if !slices.Contains(ids, "quiz.ui.match") {
					t.Fatalf("the first answer no longer stands: %v", ids)
				}
			}

			// "Next" twice: the second click does not skip a case.
			next0 := quizButton(t, explain0, "quiz.ui.next")
			case1 := quizCard(t, s.click(next0))
			if case1.Name != "quiz:case:"+cases[1].ID {
				t.Fatalf("next: %s", case1.Name)
			}
			r := s.click(next0)
			if ids := msgIDs(r); ids[0] != "quiz.ui.already" || quizCard(t, r).Name != "quiz:case:"+cases[1].ID {
				t.Fatalf("double next: %v %v", cardsOf(r), ids)
			}
			// An answer from the first card, now stale, changes nothing.
			r = s.click(right0)
			if ids := msgIDs(r); ids[0] != "quiz.ui.already" || quizCard(t, r).Name != "quiz:case:"+cases[1].ID {
				t.Fatalf("stale answer: %v %v", cardsOf(r), ids)
			}
			// A "next" before answering the current case changes nothing.
			early := map[string]string{}
			for k, v := range next0 {
				early[k] = v
			}
			early["i"] = "1"
			if ids := msgIDs(s.click(early)); ids[0] != "quiz.ui.already" {
				t.Fatalf("next before answering: %v", ids)
			}
			// A forged answer is asked again.
			forged := quizButton(t, case1, "quiz.ui.answer.neither")
			forged = map[string]string{"a": forged["a"], "t": forged["t"], "i": forged["i"], "v": "maybe"}
			if ids := msgIDs(s.click(forged)); ids[0] != "quiz.ui.pick" {
				t.Fatalf("forged answer: %v", ids)
			}

			// Answer the rest wrongly (with double clicks) and finish.
			c := case1
			for i := 1; i < len(cases); i++ {
				wrong := "neither"
				if cases[i].Answer == "neither" {
					wrong = "harassment"
				}
				b := quizButton(t, c, "quiz.ui.answer."+wrong)
				ex := quizCard(t, s.click(b))
				s.click(b)
				label := "quiz.ui.next"
				if i == len(cases)-1 {
					label = "quiz.ui.finish"
				}
				nb := quizButton(t, ex, label)
				r = s.click(nb)
				c = quizCard(t, r)
				if i < len(cases)-1 {
					s.click(nb) // a double click on "next"
				}
			}
			if c.Name != "quiz:score" {
				t.Fatalf("end: %s", c.Name)
			}
			if n, of := quizScore(t, c); n != 1 || of != len(cases) {
				t.Fatalf("score %d of %d, want 1 of %d", n, of, len(cases))
			}
			// After the end, old buttons belong to no active flow.
			if ids := msgIDs(s.click(right0)); ids[0] != "core.stale" {
				t.Fatalf("old button after the end: %v", ids)
			}
		})
	}
}

func TestQuizStopMidwayClearsTheFrame(t *testing.T) {
	s := newSession(t, "en-US")
	c := quizCard(t, s.say("quiz"))
	s.click(quizButton(t, c, "quiz.ui.answer.sexism"))
	r := s.click(quizButton(t, c, "quiz.ui.stop"))
	if ids := msgIDs(r); ids[0] != "core.cancel.done" || len(s.st.Stack) != 0 {
		t.Fatalf("stop: %v, stack %+v", ids, s.st.Stack)
	}
}
