package dialogs_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/locales"
)

// The reach of content-map section A (items 1-11) and of the source's links
// (item 27): a breadth-first walk from the menu card that follows every
// Submit button through Engine.Step, including the buttons of flows (the
// reflection and the quiz), each from the state that produced its card.
// Every card of the walk is checked like every card of the reflection and
// quiz transcripts: each message id exists in Danish and English, and the
// card rendered in both languages validates against Adaptive Card 1.5.

var (
	// realLib is the library the bot ships: the tests of its reach and of how
	// well it understands people run on it; the others on contenttest.Small.
	realLib       = content.MustLoad()
	reachRenderer = cards.New(locales.MustBundle())
	reachLangs    = []dialogs.Lang{dialogs.Danish, dialogs.English}

	reachCheckedMu sync.Mutex
	reachChecked   = map[string]bool{} // cards already checked, by JSON
)

// checkCards checks every card of a turn: each message id exists in both
// languages, and the card rendered in each language is a valid Adaptive
// Card 1.5.
func checkCards(t *testing.T, r dialogs.Result) {
	t.Helper()
	for _, c := range r.Cards() {
		b, _ := json.Marshal(c)
		reachCheckedMu.Lock()
		done := reachChecked[string(b)]
		reachChecked[string(b)] = true
		reachCheckedMu.Unlock()
		if done {
			continue
		}
		for _, l := range reachLangs {
			for _, id := range c.MsgIDs() {
				if !reachRenderer.Has(l, id) {
					t.Errorf("card %s: message %q missing in %s", c.Name, id, l)
				}
			}
			if err := cardschema.Validate(reachRenderer.Card(l, c)); err != nil {
				t.Errorf("card %s (%s) is not a valid Adaptive Card 1.5: %v", c.Name, l, err)
			}
		}
	}
}

// openURLs collects the url of every Action.OpenUrl in a rendered card.
func openURLs(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "Action.OpenUrl" {
			if u, ok := x["url"].(string); ok {
				into[u] = true
			}
		}
		for _, e := range x {
			openURLs(e, into)
		}
	case []any:
		for _, e := range x {
			openURLs(e, into)
		}
	}
}

// fillInputs answers a card's choice inputs with their first choice, as a
// user who picks something would.
func fillInputs(c dialogs.Card) map[string]string {
	vals := map[string]string{}
	for _, b := range c.Blocks {
		if b.Kind == dialogs.BlockChoice && len(b.Choices) > 0 {
			vals[b.ID] = b.Choices[0].Value
		}
	}
	return vals
}

// button is a Submit button of a card as a click sends it: its data plus
// the card's inputs filled in; key names it without the frame tag.
type button struct {
	key    string
	values map[string]string
}

// buttons lists the Submit buttons a walk follows: not links, not the
// language switch or restart (they change the walk, not what is reachable).
func buttons(c dialogs.Card) []button {
	acts := slices.Clone(c.Actions)
	for _, b := range c.Blocks {
		acts = append(acts, b.Actions...)
	}
	filled := fillInputs(c)
	var out []button
	for _, a := range acts {
		verb := a.Data[dialogs.KeyAction]
		if a.URL != "" || verb == "" || verb == dialogs.VerbLang || verb == dialogs.VerbRestart {
			continue
		}
		vals := map[string]string{}
		for k, v := range filled {
			vals[k] = v
		}
		for k, v := range a.Data {
			vals[k] = v
		}
		keys := make([]string, 0, len(vals))
		for k, v := range vals {
			if k != dialogs.KeyTag {
				keys = append(keys, k+"="+v)
			}
		}
		sort.Strings(keys)
		out = append(out, button{key: strings.Join(keys, "\x00"), values: vals})
	}
	return out
}

// reachWalk is what a walk from the menu saw.
type reachWalk struct {
	cards map[string]bool // card names
	urls  map[string]bool // urls shown as Action.OpenUrl
	steps int
}

// walkReach follows every Submit button breadth-first from the menu, at
// most limit turns. A button is followed once (its data without the frame
// tag, plus the inputs filled in), from the state right after the turn
// that showed it, so flow buttons reach their frame.
func walkReach(t *testing.T, locale string, limit int) reachWalk {
	t.Helper()
	e := dialogs.New(dialogs.Config{Content: realLib})
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var seq int
	var rnd byte
	want := dialogs.LangOf(locale)
	type node struct {
		st     dialogs.State
		p      dialogs.Profile
		values map[string]string
	}
	w := reachWalk{cards: map[string]bool{}, urls: map[string]bool{}}
	seen := map[string]bool{}
	var queue []node
	step := func(st dialogs.State, p dialogs.Profile, text string, values map[string]string) {
		seq++
		in := dialogs.Input{Kind: dialogs.KindMessage, Text: text, Values: values, Locale: locale,
			Now: now, ActivityID: fmt.Sprintf("walk-%d", seq), ReplyToID: fmt.Sprintf("card-%d", seq),
			Rand: func(n int) []byte {
				b := make([]byte, n)
				for i := range b {
					rnd++
					b[i] = rnd
				}
				return b
			}}
		r := e.Step(st, p, in)
		if r.Lang != want {
			t.Fatalf("%s walk: turn %v answered in %s", locale, values, r.Lang)
		}
		checkCards(t, r)
		// Each button is pressed from the state the bot would have stored:
		// through the JSON round trip, as the driver does.
		r.State, r.Profile = roundTrip(t, r.State), roundTrip(t, r.Profile)
		for _, c := range r.Cards() {
			w.cards[c.Name] = true
			for _, l := range reachLangs {
				openURLs(reachRenderer.Card(l, c), w.urls)
			}
			for _, b := range buttons(c) {
				if !seen[b.key] {
					seen[b.key] = true
					queue = append(queue, node{st: r.State, p: r.Profile, values: b.values})
				}
			}
		}
	}
	step(dialogs.State{}, dialogs.Profile{}, "menu", nil)
	for len(queue) > 0 && w.steps < limit {
		n := queue[0]
		queue = queue[1:]
		w.steps++
		step(n.st, n.p, "", n.values)
	}
	if len(queue) > 0 {
		t.Logf("%s walk stopped after %d turns with %d buttons left", locale, w.steps, len(queue))
	}
	return w
}

func TestSectionAReachableFromTheMenuInBothLanguages(t *testing.T) {
	if len(realLib.Excuses) != 8 {
		t.Fatalf("content has %d excuses, the source has eight", len(realLib.Excuses))
	}
	for _, loc := range []string{"da-DK", "en-US"} {
		t.Run(loc, func(t *testing.T) {
			w := walkReach(t, loc, 6000)
			t.Logf("%s: %d turns, %d cards, %d urls", loc, w.steps, len(w.cards), len(w.urls))
			items := map[int]bool{}
			for _, tp := range realLib.Topics {
				if !slices.ContainsFunc(tp.Items, func(i int) bool { return i >= 1 && i <= 11 }) {
					continue
				}
				if !w.cards["topic:"+tp.ID] {
					t.Errorf("topic %s (items %v) not reachable from the menu", tp.ID, tp.Items)
				}
				if tp.More && !w.cards["more:"+tp.ID] {
					t.Errorf("topic %s: its \"read more\" not reachable", tp.ID)
				}
				for _, i := range tp.Items {
					items[i] = true
				}
				for _, id := range tp.Links {
					l, _ := realLib.Link(id)
					if !w.urls[l.URL] {
						t.Errorf("topic %s: link %s (%s) never shown as Action.OpenUrl", tp.ID, id, l.URL)
					}
				}
			}
			for i := 1; i <= 11; i++ {
				if !items[i] {
					t.Errorf("content-map item %d has no topic", i)
				}
			}
			for _, x := range realLib.Excuses {
				if !w.cards["excuse:"+x.ID] {
					t.Errorf("excuse %s not reachable from the menu", x.ID)
				}
			}
			// The two flows of section A are walked to their end.
			for _, name := range []string{"reflect:form", "reflect:result", "quiz:score"} {
				if !w.cards[name] {
					t.Errorf("card %s not reached", name)
				}
			}
			for _, q := range realLib.Quiz {
				if !w.cards["quiz:case:"+q.ID] || !w.cards["quiz:explain:"+q.ID] {
					t.Errorf("quiz case %s not reached", q.ID)
				}
			}
		})
	}
}
