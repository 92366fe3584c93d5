package dialogs_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/internal/contenttest"
)

// The guidance transcripts: every playbook walked step by step, ticks,
// summary, resume, the "under way" list, role-aware menus and the reach of
// content-map items 12-26, in Danish and English. Every card of every turn
// is checked: each message id exists in both languages, and the card
// rendered in both languages validates against the Adaptive Card 1.5
// schema.

var (
	guideLib      = contenttest.Small()
	guideRenderer = cards.New(contenttest.Bundle()) // the fixture items' texts frozen (contenttest)
)

// gsess is the driver (driver_test.go) of the guidance transcripts: every
// card of every turn is checked, and the turns are recorded to compare
// languages.
type gsess struct {
	*driver
	// transcript records every turn's card names and message ids, to
	// compare languages.
	transcript []string
}

func newGSess(t *testing.T, locale string, cfg dialogs.Config) *gsess {
	t.Helper()
	if cfg.Content == nil {
		cfg.Content = guideLib
	}
	s := &gsess{driver: newDriver(t, dialogs.New(cfg), locale)}
	s.ids = func(seq int) (string, string) { return fmt.Sprintf("g-%d", seq), "" }
	s.onTurn = func(res dialogs.Result) {
		for _, c := range res.Cards() {
			checkCard(s.t, c)
			s.transcript = append(s.transcript, c.Name+" "+strings.Join(c.MsgIDs(), ","))
		}
		for _, o := range res.Outputs {
			switch o := o.(type) {
			case dialogs.Reply, dialogs.Update:
			default:
				s.transcript = append(s.transcript, fmt.Sprintf("%T", o))
			}
		}
	}
	return s
}

// restart replaces the engine, as a restarted bot does: only the stored
// state and profile carry over.
func (s *gsess) restart(cfg dialogs.Config) {
	if cfg.Content == nil {
		cfg.Content = guideLib
	}
	s.e = dialogs.New(cfg)
}

// step runs one turn of any kind.
func (s *gsess) step(in dialogs.Input) dialogs.Result {
	s.t.Helper()
	return s.run(in)
}

func gNames(r dialogs.Result) []string {
	var n []string
	for _, c := range r.Cards() {
		n = append(n, c.Name)
	}
	return n
}

// gOnly returns the one card of a turn.
func gOnly(t *testing.T, r dialogs.Result) dialogs.Card {
	t.Helper()
	cs := r.Cards()
	if len(cs) != 1 {
		t.Fatalf("turn sent %d cards %v, want 1", len(cs), gNames(r))
	}
	return cs[0]
}

// gAction finds the action with that label (and, if given, that argument).
func gAction(t *testing.T, c dialogs.Card, label string, arg ...string) map[string]string {
	t.Helper()
	for _, a := range c.AllActions() {
		if a.Label.ID == label && (len(arg) == 0 || a.Data[dialogs.KeyArg] == arg[0]) {
			return a.Data
		}
	}
	t.Fatalf("card %s has no action %q %v", c.Name, label, arg)
	return nil
}

func gHasAction(c dialogs.Card, verb, arg string) bool {
	for _, a := range c.AllActions() {
		if a.Data[dialogs.KeyAction] == verb && a.Data[dialogs.KeyArg] == arg {
			return true
		}
	}
	return false
}

// gMsg finds the first block message with that id.
func gMsg(c dialogs.Card, id string) (dialogs.Msg, bool) {
	for _, b := range c.Blocks {
		if b.Msg.ID == id {
			return b.Msg, true
		}
	}
	return dialogs.Msg{}, false
}

// checkCard: every message id exists in Danish and English, and the card
// rendered in each language is a valid Adaptive Card 1.5.
func checkCard(t *testing.T, c dialogs.Card) {
	t.Helper()
	for _, id := range c.MsgIDs() {
		for _, l := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
			if !guideRenderer.Has(l, id) {
				t.Errorf("card %s: message %q missing in %s", c.Name, id, l)
			}
		}
	}
	for _, l := range []dialogs.Lang{dialogs.Danish, dialogs.English} {
		if err := cardschema.Validate(guideRenderer.Card(l, c)); err != nil {
			t.Errorf("card %s (%s) is not a valid Adaptive Card 1.5: %v", c.Name, l, err)
		}
	}
}

// toggles maps a step card's checklist inputs to their checked state.
func toggles(c dialogs.Card) map[string]bool {
	m := map[string]bool{}
	for _, b := range c.Blocks {
		if b.Kind == dialogs.BlockToggle {
			m[b.ID] = b.Checked
		}
	}
	return m
}

// submitted is what Teams sends for a step card's toggles: every toggle
// with its state, the ones in tick set to true.
func submitted(c dialogs.Card, tick ...string) map[string]string {
	v := map[string]string{}
	for id, on := range toggles(c) {
		v[id] = fmt.Sprint(on || slices.Contains(tick, id))
	}
	return v
}

var bothLocales = []string{"da-DK", "en-US"}

// walkPlaybook walks one playbook to the end: next on every step (ticking
// the first check of each step), back once from every step after the first
// (the ticks are still there), then finish and the summary.
func walkPlaybook(t *testing.T, s *gsess, p content.Playbook) {
	t.Helper()
	c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, p.ID)))
	if _, ok := gMsg(c, "playbook."+p.ID+".intro"); !ok {
		t.Fatalf("%s: first step without the intro", p.ID)
	}
	var ticked []string
	for i, st := range p.Steps {
		want := "step:" + p.ID + ":" + st.ID
		if c.Name != want {
			t.Fatalf("step %d: card %s, want %s", i, c.Name, want)
		}
		prog, ok := gMsg(c, "guide.progress")
		if !ok || fmt.Sprint(prog.Data["N"]) != fmt.Sprint(i+1) || fmt.Sprint(prog.Data["Of"]) != fmt.Sprint(len(p.Steps)) {
			t.Fatalf("%s: progress %v, want %d of %d", want, prog.Data, i+1, len(p.Steps))
		}
		tg := toggles(c)
		if len(tg) != len(st.Checks) {
			t.Fatalf("%s: %d toggles, want %d", want, len(tg), len(st.Checks))
		}
		for _, ck := range st.Checks {
			if _, ok := tg["chk:"+st.ID+"."+ck]; !ok {
				t.Fatalf("%s: no toggle for %s", want, ck)
			}
		}
		if got := gHasAction(c, dialogs.VerbRemind, p.ID+":"+st.ID); got != st.Remind {
			t.Fatalf("%s: remind button %v, want %v", want, got, st.Remind)
		}
		if s.p.Guides[p.ID] == nil || s.p.Guides[p.ID].StepID != st.ID {
			t.Fatalf("%s: saved progress %+v", want, s.p.Guides[p.ID])
		}
		var tick []string
		if len(st.Checks) > 0 {
			tick = []string{"chk:" + st.ID + "." + st.Checks[0]}
			ticked = append(ticked, st.ID+"."+st.Checks[0])
		}
		if i > 0 {
			// Back, with the tick submitted: the previous step shows its
			// own tick, and forward again shows this one.
			prev := gOnly(t, s.clickWith(gAction(t, c, "guide.back"), submitted(c, tick...)))
			if prev.Name != "step:"+p.ID+":"+p.Steps[i-1].ID {
				t.Fatalf("back from %s gave %s", want, prev.Name)
			}
			if ps := p.Steps[i-1]; len(ps.Checks) > 0 && !toggles(prev)["chk:"+ps.ID+"."+ps.Checks[0]] {
				t.Fatalf("tick on %s forgotten", ps.ID)
			}
			c = gOnly(t, s.click(gAction(t, prev, "guide.next")))
			if c.Name != want {
				t.Fatalf("next after back gave %s", c.Name)
			}
			for _, id := range tick {
				if !toggles(c)[id] {
					t.Fatalf("%s: tick %s forgotten after back and next", want, id)
				}
			}
		}
		next := "guide.next"
		if i == len(p.Steps)-1 {
			next = "guide.finish"
		}
		c = gOnly(t, s.clickWith(gAction(t, c, next), submitted(c, tick...)))
	}
	if c.Name != "summary:"+p.ID {
		t.Fatalf("finish gave %s", c.Name)
	}
	if gp := s.p.Guides[p.ID]; gp == nil || !gp.Done {
		t.Fatalf("finished playbook not done: %+v", gp)
	}
	checkSummary(t, c, p, ticked)
}

// checkSummary: one fact per check, ticked ones marked ticked.
func checkSummary(t *testing.T, c dialogs.Card, p content.Playbook, ticked []string) {
	t.Helper()
	marks := map[string]string{}
	for _, b := range c.Blocks {
		for _, f := range b.Facts {
			marks[f.Value.ID] = f.Label.ID
		}
	}
	for _, st := range p.Steps {
		if _, ok := gMsg(c, "playbook."+p.ID+"."+st.ID+".title"); !ok {
			t.Errorf("summary %s lacks step %s", p.ID, st.ID)
		}
		for _, ck := range st.Checks {
			want := "guide.sum.open"
			if slices.Contains(ticked, st.ID+"."+ck) {
				want = "guide.sum.ticked"
			}
			if got := marks["playbook."+p.ID+"."+st.ID+".check."+ck]; got != want {
				t.Errorf("summary %s: %s.%s marked %q, want %q", p.ID, st.ID, ck, got, want)
			}
		}
	}
}

func TestEveryPlaybookStepByStepInBothLanguages(t *testing.T) {
	transcripts := map[string][]string{}
	for _, loc := range bothLocales {
		s := newGSess(t, loc, dialogs.Config{Content: realLib})
		s.p.Role = dialogs.RoleManager
		for _, p := range realLib.Playbooks {
			t.Run(loc+"/"+p.ID, func(t *testing.T) {
				s.t = t
				walkPlaybook(t, s, p)
			})
		}
		transcripts[loc] = s.transcript
	}
	// The language only changes rendering: both walks are the same cards
	// with the same message ids.
	if !slices.Equal(transcripts["da-DK"], transcripts["en-US"]) {
		t.Fatalf("Danish and English transcripts differ")
	}
	if len(realLib.Playbooks) < 10 {
		t.Fatalf("only %d playbooks", len(realLib.Playbooks))
	}
}

func TestLeaveAndResumeDaysLaterAfterRestart(t *testing.T) {
	for _, loc := range bothLocales {
		t.Run(loc, func(t *testing.T) {
			s := newGSess(t, loc, dialogs.Config{})
			p, _ := guideLib.Playbook("receive-report")
			c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, p.ID)))
			c = gOnly(t, s.clickWith(gAction(t, c, "guide.next"), submitted(c, "chk:prepare.frame")))
			// On step 2 the user ticks two items and leaves by the menu.
			menu := gOnly(t, s.clickWith(gAction(t, c, "core.menu.back"), submitted(c, "chk:listen.serious", "chk:listen.ask-who")))
			if menu.Name != "menu" || !gHasAction(menu, dialogs.VerbGuide, p.ID) {
				t.Fatalf("menu without the playbook under way: %s", menu.Name)
			}
			// Five days and a restart later, "guide" opens where they were.
			s.now = s.now.Add(5 * 24 * time.Hour)
			s.restart(dialogs.Config{})
			menu = gOnly(t, s.say("menu"))
			c = gOnly(t, s.click(gAction(t, menu, "playbook."+p.ID+".title", p.ID)))
			if c.Name != "step:receive-report:listen" {
				t.Fatalf("resumed at %s", c.Name)
			}
			if _, intro := gMsg(c, "playbook."+p.ID+".intro"); intro {
				t.Fatal("resume shows the intro again")
			}
			if prog, _ := gMsg(c, "guide.progress"); fmt.Sprint(prog.Data["N"], "/", prog.Data["Of"]) != "2/3" {
				t.Fatalf("progress %v", prog.Data)
			}
			tg := toggles(c)
			if !tg["chk:listen.serious"] || !tg["chk:listen.ask-who"] || tg["chk:listen.ask-what"] {
				t.Fatalf("ticks after resume %v", tg)
			}
			// "Send me a summary" recaps what was ticked, without finishing.
			sum := gOnly(t, s.click(gAction(t, c, "guide.sum.button")))
			checkSummary(t, sum, p, []string{"prepare.frame", "listen.serious", "listen.ask-who"})
			if s.p.Guides[p.ID].Done {
				t.Fatal("summary finished the playbook")
			}
			c = gOnly(t, s.click(gAction(t, sum, "guide.resume")))
			if c.Name != "step:receive-report:listen" {
				t.Fatalf("summary's resume gave %s", c.Name)
			}
		})
	}
}

func TestTicksKeptWhenLeavingAStepAnyWay(t *testing.T) {
	// Every button on a step card that leaves it keeps what was ticked.
	for _, label := range []string{"guide.all", "core.menu.back", "guide.sum.button", "guide.remind.button", "guide.finish", "guide.back"} {
		t.Run(label, func(t *testing.T) {
			s := newGSess(t, "da-DK", dialogs.Config{})
			c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuideStep, "receive-report:round-off")))
			s.clickWith(gAction(t, c, label), submitted(c, "chk:round-off.talk-again"))
			if !s.p.Guides["receive-report"].Checked["round-off.talk-again"] {
				t.Fatalf("tick lost leaving by %s", label)
			}
		})
	}
}

func TestSeveralPlaybooksUnderWayInTheMenu(t *testing.T) {
	for _, loc := range bothLocales {
		t.Run(loc, func(t *testing.T) {
			s := newGSess(t, loc, dialogs.Config{})
			s.p.Role = dialogs.RoleManager
			if _, ok := gMsg(gOnly(t, s.say("menu")), "core.menu.underway"); ok {
				t.Fatal("nothing started, yet an under-way list")
			}
			c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "receive-report")))
			s.click(gAction(t, c, "guide.next"))
			s.now = s.now.Add(24 * time.Hour)
			c = gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "prevention")))
			s.click(gAction(t, c, "guide.next"))
			for _, view := range []string{"menu", "guides"} {
				var card dialogs.Card
				if view == "menu" {
					card = gOnly(t, s.say("menu"))
				} else {
					card = gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuides, "")))
				}
				var under []string
				seen := false
				for _, b := range card.Blocks {
					if b.Msg.ID == "core.menu.underway" {
						seen = true
						continue
					}
					if seen && b.Kind == dialogs.BlockActions {
						for _, a := range b.Actions {
							under = append(under, a.Data[dialogs.KeyArg])
						}
						break
					}
				}
				if !slices.Equal(under, []string{"prevention", "receive-report"}) {
					t.Fatalf("%s: under way %v, want most recent first", view, under)
				}
			}
			// Each resumes at its own step.
			if c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "receive-report"))); c.Name != "step:receive-report:listen" {
				t.Fatalf("receive-report resumed at %s", c.Name)
			}
			if c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "prevention"))); c.Name != "step:prevention:norms" {
				t.Fatalf("prevention resumed at %s", c.Name)
			}
			// Finishing one takes it off the list.
			p, _ := guideLib.Playbook("receive-report")
			s.click(dialogs.Submit(dialogs.VerbGuideStep, fmt.Sprintf("%s:%d", p.ID, len(p.Steps))))
			if m := gOnly(t, s.say("menu")); gHasAction(m, dialogs.VerbGuide, "receive-report") || !gHasAction(m, dialogs.VerbGuide, "prevention") {
				t.Fatal("finished playbook still under way, or the other one gone")
			}
		})
	}
}

// menuVerbs lists a menu's main actions in order (verb:arg).
func menuVerbs(c dialogs.Card) []string {
	var v []string
	for _, a := range c.AllActions() {
		v = append(v, a.Data[dialogs.KeyAction]+":"+a.Data[dialogs.KeyArg])
	}
	return v
}

func TestRoleAwareMenuInBothLanguages(t *testing.T) {
	var all []string
	for _, loc := range bothLocales {
		for _, role := range []dialogs.Role{dialogs.RoleUnknown, dialogs.RoleEmployee, dialogs.RoleManager, dialogs.RoleRep, dialogs.RoleHR} {
			s := newGSess(t, loc, dialogs.Config{})
			s.p.Role = role
			m := gOnly(t, s.say("menu"))
			v := menuVerbs(m)
			guides := slices.Index(v, dialogs.VerbGuides+":")
			topics := slices.Index(v, dialogs.VerbTopics+":")
			reflect := slices.Index(v, dialogs.VerbReflect+":")
			if guides < 0 || topics < 0 || reflect < 0 {
				t.Fatalf("%s %q menu lacks guidance or Q&A: %v", loc, role, v)
			}
			switch role {
			case dialogs.RoleManager, dialogs.RoleRep, dialogs.RoleHR:
				if guides > topics {
					t.Errorf("%s %q: guidance should come first: %v", loc, role, v)
				}
			default:
				if topics > guides || reflect > guides {
					t.Errorf("%s %q: Q&A and reporting should come first: %v", loc, role, v)
				}
			}
			// Everyone can reach everything: the same buttons, another order.
			sorted := slices.Sorted(slices.Values(v))
			if all == nil {
				all = sorted
			} else if !slices.Equal(all, sorted) {
				t.Errorf("%s %q menu offers %v, others %v", loc, role, sorted, all)
			}
		}
	}
}

// walkFromMenu follows every submit button breadth-first from the menu,
// through the engine, and returns the playbooks whose steps it reached.
func walkFromMenu(t *testing.T, loc string, role dialogs.Role) map[string]map[string]bool {
	s := newGSess(t, loc, dialogs.Config{Content: realLib})
	s.p.Role = role
	reached := map[string]map[string]bool{}
	seen := map[string]bool{}
	var queue []map[string]string
	enqueue := func(r dialogs.Result) {
		for _, c := range r.Cards() {
			if rest, ok := strings.CutPrefix(c.Name, "step:"); ok {
				pb, st, _ := strings.Cut(rest, ":")
				if reached[pb] == nil {
					reached[pb] = map[string]bool{}
				}
				reached[pb][st] = true
			}
			for _, a := range c.AllActions() {
				verb := a.Data[dialogs.KeyAction]
				if a.URL != "" || verb == "" || a.Data[dialogs.KeyTag] != "" {
					continue // links, and buttons of a flow (tested with their dialog)
				}
				switch verb {
				case dialogs.VerbLang, dialogs.VerbRestart, dialogs.VerbCancel:
					continue // would change the walk's language or state, not what is reachable
				}
				k := verb + "\x00" + a.Data[dialogs.KeyArg]
				if !seen[k] {
					seen[k] = true
					queue = append(queue, a.Data)
				}
			}
		}
	}
	enqueue(s.say("menu"))
	for n := 0; len(queue) > 0; n++ {
		if n > 5000 {
			t.Fatal("walk does not end")
		}
		d := queue[0]
		queue = queue[1:]
		enqueue(s.click(d))
	}
	return reached
}

func TestItems12To26ReachableFromTheMenuInBothLanguages(t *testing.T) {
	for _, loc := range bothLocales {
		for _, role := range []dialogs.Role{dialogs.RoleEmployee, dialogs.RoleManager} {
			t.Run(fmt.Sprint(loc, "/", role), func(t *testing.T) {
				reached := walkFromMenu(t, loc, role)
				items := map[int]bool{}
				for _, p := range realLib.Playbooks {
					steps := reached[p.ID]
					if len(steps) == 0 {
						t.Errorf("playbook %s not reachable from the menu", p.ID)
						continue
					}
					for _, st := range p.Steps {
						if !steps[st.ID] {
							t.Errorf("playbook %s: step %s not reachable", p.ID, st.ID)
						}
					}
					for _, it := range p.Items {
						items[it] = true
					}
				}
				for it := 12; it <= 26; it++ {
					if !items[it] {
						t.Errorf("content-map item %d not reachable", it)
					}
				}
			})
		}
	}
}

func TestEntryByQuestionOpensThePlaybook(t *testing.T) {
	cfg := matcherConfig()
	for _, tc := range []struct{ loc, q string }{
		{"da-DK", "hvordan håndterer jeg en henvendelse om en lederkollega?"},
		{"en-US", "how do I handle a report about a fellow manager?"},
	} {
		// A manager asking gets the playbook offered; free text never
		// starts it, so it is not "in progress" until they open it.
		s := newGSess(t, tc.loc, cfg)
		s.p.Role = dialogs.RoleManager
		if got := gNames(s.say(tc.q)); !slices.Equal(got, []string{"offer:manager-colleague"}) {
			t.Errorf("%q opened %v, want the manager-colleague playbook offered", tc.q, got)
		}
		if len(s.p.Guides) != 0 {
			t.Errorf("%q: the offered playbook is in progress: %v", tc.q, s.p.Guides)
		}
		// An employee asking the same gets the employee's ways.
		e := newGSess(t, tc.loc, cfg)
		e.p.Role = dialogs.RoleEmployee
		if got := gNames(e.say(tc.q)); !slices.Equal(got, []string{"situation:own-manager"}) {
			t.Errorf("employee %q opened %v, want the own-manager situation", tc.q, got)
		}
	}
}
