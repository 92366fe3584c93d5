package dialogs_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kk/graensen/dialogs"
)

// The reflection "Is this over the line?" as transcripts: the form, its
// validation, the mirrored answer through the load triangle with the ways
// forward, cancel, and the rule that the bot never gives a verdict.

// reflectSubmit is the form's submit button with these answers filled in.
func reflectSubmit(t *testing.T, form dialogs.Result, answers map[string]string) map[string]string {
	t.Helper()
	data := actionFor(t, form, "reflect.submit")
	out := map[string]string{}
	for k, v := range data {
		out[k] = v
	}
	for k, v := range answers {
		out[k] = v
	}
	return out
}

// reflectSend submits the form, from the card with activity id "form".
func reflectSend(s *session, values map[string]string) dialogs.Result {
	s.t.Helper()
	return s.step(dialogs.Input{Kind: dialogs.KindMessage, Values: values, ReplyToID: "form"})
}

// choiceValues maps the form's choice inputs to their prefilled values.
func choiceValues(t *testing.T, r dialogs.Result) map[string]string {
	t.Helper()
	vals := map[string]string{}
	for _, c := range r.Cards() {
		for _, b := range c.Blocks {
			if b.Kind == dialogs.BlockChoice {
				vals[b.ID] = b.Text
				if !b.Required {
					t.Errorf("choice %s is not required", b.ID)
				}
			}
		}
	}
	return vals
}

// reportReachable tells whether this build offers anonymous reporting.
func reportReachable(t *testing.T) bool {
	s := newSession(t, "da-DK")
	ids := msgIDs(s.click(dialogs.Submit(dialogs.VerbReport, "")))
	return len(ids) > 0 && ids[0] != "core.unknownAction"
}

// resultCard is the reflection card of a turn.
func resultCard(t *testing.T, r dialogs.Result) dialogs.Card {
	t.Helper()
	for _, c := range r.Cards() {
		if c.Name == "reflect:result" {
			return c
		}
	}
	t.Fatalf("no reflection in %v", cardsOf(r))
	return dialogs.Card{}
}

// submitsTo reports whether a card has a button submitting verb with arg.
func submitsTo(c dialogs.Card, verb, arg string) bool {
	acts := slices.Clone(c.Actions)
	for _, b := range c.Blocks {
		acts = append(acts, b.Actions...)
	}
	return slices.ContainsFunc(acts, func(a dialogs.Action) bool {
		return a.Data[dialogs.KeyAction] == verb && a.Data[dialogs.KeyArg] == arg
	})
}

// heavy is a set of answers that points to more load; light one that does not.
var (
	heavyAnswers = map[string]string{
		"kind": "touching,comments-appearance", "severity": "serious",
		"duration": "months", "frequency": "often", "effect": "sleep-worry,avoid-work",
	}
	lightAnswers = map[string]string{
		"kind": "something-else", "severity": "mild",
		"duration": "once", "frequency": "once", "effect": "fine-but-wonder",
	}
)

func TestReflectionHappyPathInBothLanguages(t *testing.T) {
	report := reportReachable(t)
	for _, tc := range []struct {
		locale string
		lang   dialogs.Lang
	}{{"da-DK", dialogs.Danish}, {"en-US", dialogs.English}} {
		t.Run(tc.locale, func(t *testing.T) {
			s := newSession(t, tc.locale)
			menu := s.say("menu")
			form := s.click(actionFor(t, menu, "core.menu.reflect"))
			checkCards(t, form)
			if got := cardsOf(form); !slices.Equal(got, []string{"reflect:form"}) || form.Lang != tc.lang {
				t.Fatalf("reflect began with %v in %s", got, form.Lang)
			}
			if len(s.st.Stack) != 1 || s.st.Stack[0].Dialog != "reflect" {
				t.Fatalf("stack %+v", s.st.Stack)
			}
			// The form asks the five questions, from the content.
			vals := choiceValues(t, form)
			for _, q := range []string{"kind", "severity", "duration", "frequency", "effect"} {
				if v, ok := vals[q]; !ok || v != "" {
					t.Errorf("question %s: present %v, prefilled %q", q, ok, v)
				}
			}

			r := reflectSend(s, reflectSubmit(t, form, heavyAnswers))
			checkCards(t, r)
			if got := cardsOf(r); !slices.Equal(got, []string{"update:reflect:sent", "reflect:result"}) {
				t.Fatalf("submit sent %v", got)
			}
			if u, ok := r.Outputs[0].(dialogs.Update); !ok || u.ActivityID != "form" {
				t.Fatalf("the filled-in form is not taken off the screen: %+v", r.Outputs[0])
			}
			if r.Lang != tc.lang {
				t.Fatalf("answered in %s", r.Lang)
			}
			ids := msgIDs(r)
			for _, want := range []string{
				"reflect.result.weighs",
				"reflect.kind.touching", "reflect.kind.comments-appearance",
				"reflect.severity.serious", "reflect.duration.months", "reflect.frequency.often",
				"reflect.effect.sleep-worry", "reflect.effect.avoid-work",
				"reflect.load.severity.serious", "reflect.load.duration.months", "reflect.load.frequency.often",
				"reflect.load.effect.strong", "reflect.result.examples",
				"reflect.result.intention", "reflect.result.door",
			} {
				if !slices.Contains(ids, want) {
					t.Errorf("reflection lacks %s: %v", want, ids)
				}
			}
			// Touching and comments on appearance are not about tasks and
			// feedback: "ordinary management is not offensive" does not fit.
			if slices.Contains(ids, "reflect.result.noteverything") {
				t.Errorf("the ordinary-management paragraph shown for touching: %v", ids)
			}
			// More load: the ways forward come first, before the mirror.
			if w, m := slices.Index(ids, "qa.way.talk"), slices.Index(ids, "reflect.result.told"); w < 0 || w > m {
				t.Errorf("ways forward at %d, the answers at %d: %v", w, m, ids)
			}
			c := resultCard(t, r)
			for _, topic := range []string{"talk-to-someone", "unit", "psychological-help"} {
				if !submitsTo(c, dialogs.VerbTopic, topic) {
					t.Errorf("the reflection does not offer topic %s", topic)
				}
			}
			if submitsTo(c, dialogs.VerbReport, "") != report {
				t.Errorf("reporting offered %v, reachable %v", !report, report)
			}
			// The answers are gone with the frame, and never in the profile.
			if len(s.st.Stack) != 0 || r.ProfileChanged {
				t.Fatalf("after the reflection: stack %+v, profile changed %v", s.st.Stack, r.ProfileChanged)
			}
			st, _ := json.Marshal(s.st)
			p, _ := json.Marshal(s.p)
			for _, v := range []string{"touching", "sleep-worry", "months"} {
				if strings.Contains(string(st), v) || strings.Contains(string(p), v) {
					t.Errorf("answer %q kept after the flow: state %s, profile %s", v, st, p)
				}
			}
			// The reflection's buttons lead on: a topic, and a new reflection.
			if got := cardsOf(s.click(actionFor(t, r, "qa.way.talk"))); !slices.Equal(got, []string{"topic:talk-to-someone"}) {
				t.Errorf("talk to someone: %v", got)
			}
			if got := cardsOf(s.click(actionFor(t, r, "reflect.again"))); !slices.Equal(got, []string{"reflect:form"}) {
				t.Errorf("again: %v", got)
			}
		})
	}
}

func TestReflectionWithLessLoadPutsTheWaysLast(t *testing.T) {
	s := newSession(t, "da-DK")
	form := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
	r := reflectSend(s, reflectSubmit(t, form, lightAnswers))
	checkCards(t, r)
	ids := msgIDs(r)
	for _, want := range []string{"reflect.load.severity.mild", "reflect.load.duration.once", "reflect.load.frequency.once",
		"reflect.load.effect.light", "reflect.kind.something-else", "reflect.result.noteverything", "reflect.result.forward"} {
		if !slices.Contains(ids, want) {
			t.Errorf("reflection lacks %s: %v", want, ids)
		}
	}
	for _, not := range []string{"reflect.result.weighs", "reflect.result.examples", "reflect.load.effect.strong"} {
		if slices.Contains(ids, not) {
			t.Errorf("reflection with less load has %s", not)
		}
	}
	if w, m := slices.Index(ids, "qa.way.talk"), slices.Index(ids, "reflect.result.noteverything"); w < m {
		t.Errorf("ways forward at %d, before the reflection at %d", w, m)
	}
	c := resultCard(t, r)
	for _, topic := range []string{"talk-to-someone", "unit", "psychological-help"} {
		if !submitsTo(c, dialogs.VerbTopic, topic) {
			t.Errorf("the reflection does not offer topic %s", topic)
		}
	}
}

func TestReflectionInvalidSubmitReasksKeepingWhatWasValid(t *testing.T) {
	s := newSession(t, "en-US")
	form := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
	submit := actionFor(t, form, "reflect.submit")

	// Nothing filled in: asked again, every question marked.
	r := reflectSend(s, reflectSubmit(t, form, nil))
	checkCards(t, r)
	if ids := msgIDs(r); ids[0] != "reflect.retry" || !slices.Equal(cardsOf(r), []string{"reflect:form"}) {
		t.Fatalf("empty submit: %v %v", cardsOf(r), ids)
	}
	count := func(r dialogs.Result) int {
		n := 0
		for _, id := range msgIDs(r) {
			if id == "reflect.missing" {
				n++
			}
		}
		return n
	}
	if n := count(r); n != 5 {
		t.Errorf("empty submit marks %d questions, want 5", n)
	}

	// Unknown values, two answers to a single choice, and one missing.
	r = reflectSend(s, reflectSubmit(t, form, map[string]string{
		"kind": "touching,no-such-kind", "severity": "serious", "duration": "weeks,months",
		"frequency": "often", "effect": "",
	}))
	checkCards(t, r)
	if ids := msgIDs(r); ids[0] != "reflect.retry" || len(s.st.Stack) != 1 {
		t.Fatalf("invalid submit: %v, stack %d", ids, len(s.st.Stack))
	}
	if n := count(r); n != 3 {
		t.Errorf("invalid submit marks %d questions, want 3 (kind, duration, effect)", n)
	}
	want := map[string]string{"kind": "", "severity": "serious", "duration": "", "frequency": "often", "effect": ""}
	if got := choiceValues(t, r); !mapsEqual(got, want) {
		t.Errorf("re-asked form prefilled %v, want %v", got, want)
	}
	// The re-asked form belongs to the same frame.
	if got := actionFor(t, r, "reflect.submit"); got[dialogs.KeyTag] != submit[dialogs.KeyTag] {
		t.Errorf("re-asked form has tag %q, the frame %q", got[dialogs.KeyTag], submit[dialogs.KeyTag])
	}

	// The rest answered (multi-select in any order): what was valid is kept.
	r = reflectSend(s, reflectSubmit(t, r, map[string]string{"kind": "advances, touching", "duration": "weeks", "effect": "uneasy"}))
	checkCards(t, r)
	ids := msgIDs(r)
	if !slices.Contains(cardsOf(r), "reflect:result") {
		t.Fatalf("complete answer: %v", cardsOf(r))
	}
	for _, w := range []string{"reflect.load.severity.serious", "reflect.load.duration.weeks", "reflect.load.frequency.often", "reflect.load.effect.light"} {
		if !slices.Contains(ids, w) {
			t.Errorf("reflection lacks %s", w)
		}
	}
	// Kinds in the content's order, whatever order the client sent.
	if a, b := slices.Index(ids, "reflect.kind.touching"), slices.Index(ids, "reflect.kind.advances"); a < 0 || b < 0 || a > b {
		t.Errorf("kinds out of order: %v", ids)
	}
	if len(s.st.Stack) != 0 {
		t.Fatalf("frame left: %+v", s.st.Stack)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestReflectionCancelMidwayClearsTheFrame(t *testing.T) {
	for _, cancel := range []string{"annuller", "cancel", "Annullér!"} {
		t.Run(cancel, func(t *testing.T) {
			s := newSession(t, "da-DK")
			form := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
			reflectSend(s, reflectSubmit(t, form, map[string]string{"kind": "touching", "severity": "very-serious"}))
			if len(s.st.Stack) != 1 || len(s.st.Stack[0].Data) == 0 {
				t.Fatalf("partial answer not held in the frame: %+v", s.st.Stack)
			}
			r := s.say(cancel)
			if ids := msgIDs(r); ids[0] != "core.cancel.done" || len(s.st.Stack) != 0 {
				t.Fatalf("cancel: %v, stack %+v", ids, s.st.Stack)
			}
			if b, _ := json.Marshal(s.st); strings.Contains(string(b), "very-serious") {
				t.Fatalf("answers kept after cancel: %s", b)
			}
			// The old form no longer reaches a frame.
			if ids := msgIDs(reflectSend(s, reflectSubmit(t, form, heavyAnswers))); ids[0] != "core.stale" {
				t.Fatalf("old form after cancel: %v", ids)
			}
		})
	}
}

func TestReflectionBegunAgainReplacesTheUnfinishedOne(t *testing.T) {
	s := newSession(t, "da-DK")
	first := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
	reflectSend(s, reflectSubmit(t, first, map[string]string{"kind": "touching"}))
	second := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
	if len(s.st.Stack) != 1 {
		t.Fatalf("stack after beginning again: %+v", s.st.Stack)
	}
	if got := choiceValues(t, second)["kind"]; got != "" {
		t.Fatalf("new reflection prefilled %q", got)
	}
	if ids := msgIDs(reflectSend(s, reflectSubmit(t, first, heavyAnswers))); ids[0] != "core.stale" {
		t.Fatalf("first form: %v", ids)
	}
	r := reflectSend(s, reflectSubmit(t, second, heavyAnswers))
	if !slices.Contains(cardsOf(r), "reflect:result") || len(s.st.Stack) != 0 {
		t.Fatalf("second form: %v, stack %+v", cardsOf(r), s.st.Stack)
	}
}

// verdicts are phrasings the bot must never use about a situation.
var verdicts = []string{"er chikane", "er sexisme", "is harassment", "is sexism", "er krænkende", "is offensive"}

func TestReflectionNeverGivesAVerdict(t *testing.T) {
	// Every single answer of the library the bot ships, and the heaviest
	// and lightest combinations.
	combos := []map[string]string{heavyAnswers, lightAnswers}
	r := realLib.Reflect
	all := map[string]string{
		"kind": strings.Join(r.Kinds, ","), "severity": r.Severity[len(r.Severity)-1],
		"duration": r.Duration[len(r.Duration)-1], "frequency": r.Frequency[len(r.Frequency)-1],
		"effect": strings.Join(r.Effects, ","),
	}
	combos = append(combos, all)
	for i := range max(len(r.Severity), len(r.Duration), len(r.Frequency), len(r.Effects), len(r.Kinds)) {
		at := func(vs []string) string { return vs[min(i, len(vs)-1)] }
		combos = append(combos, map[string]string{
			"kind": at(r.Kinds), "severity": at(r.Severity), "duration": at(r.Duration),
			"frequency": at(r.Frequency), "effect": at(r.Effects),
		})
	}
	checked := map[string]bool{}
	for _, answers := range combos {
		for _, loc := range []string{"da-DK", "en-US"} {
			s := newSessionWith(t, loc, dialogs.Config{Content: realLib})
			form := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
			res := reflectSend(s, reflectSubmit(t, form, answers))
			checkCards(t, res)
			for _, c := range res.Cards() {
				for _, id := range c.MsgIDs() {
					if checked[id] {
						continue
					}
					checked[id] = true
					for _, l := range reachLangs {
						text := strings.ToLower(reachRenderer.Text(l, dialogs.M(id)))
						for _, v := range verdicts {
							if strings.Contains(text, v) {
								t.Errorf("%s (%s) says %q: %s", id, l, v, text)
							}
						}
					}
				}
			}
		}
	}
	for _, must := range []string{"reflect.result.door", "reflect.result.intention", "reflect.result.noteverything", "qa.way.unit"} {
		if !checked[must] {
			t.Errorf("%s never shown", must)
		}
	}
}
