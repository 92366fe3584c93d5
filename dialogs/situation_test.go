package dialogs_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
)

// Transcripts of issue 13: situations in people's own words, the severity
// rule and the role rule, with the real matcher over the real content.
// gsess checks every card of every turn (ids in both languages, the
// Adaptive Card schema).

func matcherConfig() dialogs.Config { return matcherFor(realLib, reachRenderer) }

// matcherFor is an engine configuration with lib and the real free-text
// matcher over it, its words read through r.
func matcherFor(lib *content.Library, r *cards.Renderer) dialogs.Config {
	m := match.FromLibrary(lib, func(lang, id string) string { return r.Text(dialogs.Lang(lang), dialogs.M(id)) })
	return dialogs.Config{Content: lib, Matcher: func(lang, q string) (string, []string) {
		d := m.Decide(lang, q)
		return d.Best, d.Choices
	}}
}

// cardText renders every message of a card in lang.
func cardText(lang dialogs.Lang, c dialogs.Card) string {
	var b strings.Builder
	for _, id := range c.MsgIDs() {
		b.WriteString(reachRenderer.Text(lang, dialogs.M(id)))
		b.WriteString("\n")
	}
	return b.String()
}

// verdict matches the bot declaring what something is.
var verdict = regexp.MustCompile(`(?i)\b(det|dette|that|this|it) (er|is) (seksuel chikane|sexchikane|sexisme|krænkende|sexual harassment|sexism|harassment|offensive)\b`)

func hasAction(c dialogs.Card, verb, arg string) bool {
	return slices.ContainsFunc(c.AllActions(), func(a dialogs.Action) bool {
		return a.Data[dialogs.KeyAction] == verb && (arg == "" || a.Data[dialogs.KeyArg] == arg)
	})
}

func TestSituationsInPeoplesOwnWords(t *testing.T) {
	cases := []struct{ loc, q, want string }{
		{"da-DK", "han kneb mig i numsen til julefrokosten", "touching"},
		{"en-US", "he grabbed my bum at the party", "touching"},
		{"da-DK", "han siger hele tiden at jeg er sexet i min nederdel", "body-comments"},
		{"en-US", "he always comments on my body", "body-comments"},
		{"da-DK", "de laver sjofle vittigheder hele tiden", "sexual-jokes"},
		{"en-US", "they tell dirty jokes all day", "sexual-jokes"},
		{"da-DK", "han sendte mig en dickpic", "online"},
		{"en-US", "he sent me nudes on snapchat", "online"},
		{"da-DK", "han lægger an på mig selvom jeg siger nej", "advances"},
		{"en-US", "he keeps hitting on me", "advances"},
		{"da-DK", "en borger kommer med sjofle kommentarer", "citizen"},
		{"en-US", "a patient says sexual things to me", "citizen"},
		{"da-DK", "hvor anmelder jeg min chef", "own-manager"},
		{"en-US", "where do I report my boss", "own-manager"},
		{"da-DK", "min kollega bliver chikaneret hvad gør jeg", "colleague-victim"},
		{"en-US", "my colleague is being harassed", "colleague-victim"},
		{"da-DK", "jeg var vidne til det og sagde ingenting", "bystander"},
		{"en-US", "I witnessed it and said nothing", "bystander"},
		{"da-DK", "jeg tør ikke sige noget, jeg er bange for at blive fyret", "fear"},
		{"en-US", "I am afraid of retaliation", "fear"},
		{"da-DK", "er det min egen skyld", "my-fault"},
		{"en-US", "is it my fault", "my-fault"},
		{"da-DK", "jeg er blevet beskyldt for sexchikane", "accused"},
		{"en-US", "I have been accused of harassment", "accused"},
		{"da-DK", "min chef kritiserer mig hele tiden", "criticism"},
		{"en-US", "my boss criticises me all the time", "criticism"},
		{"da-DK", "han kalder mig lille pige fordi jeg er kvinde", "gender-remarks"},
		{"en-US", "he calls me little girl because I am a woman", "gender-remarks"},
	}
	for _, tc := range cases {
		s := newGSess(t, tc.loc, matcherConfig())
		r := s.say(tc.q)
		names := gNames(r)
		if len(names) != 1 || names[0] != "situation:"+tc.want {
			t.Errorf("%q answered %v, want situation:%s", tc.q, names, tc.want)
			continue
		}
		c := r.Cards()[0]
		lang := dialogs.Lang(tc.loc[:2])
		// One sentence of acknowledgement first, then the source, then the
		// question back and the ways forward.
		if c.Blocks[0].Msg.ID != "situation."+tc.want+".ack" {
			t.Errorf("%q does not start with the acknowledgement: %v", tc.q, c.MsgIDs())
		}
		ids := c.MsgIDs()
		if !slices.Contains(ids, "situation.ask") {
			t.Errorf("%q asks nothing back: %v", tc.q, ids)
		}
		if !hasAction(c, dialogs.VerbTopic, "unit") && !hasAction(c, dialogs.VerbTopic, "talk-to-someone") {
			t.Errorf("%q shows no way forward: %v", tc.q, ids)
		}
		if !hasAction(c, dialogs.VerbHelpful, "y:situation:"+tc.want) {
			t.Errorf("%q does not ask 'did this help?'", tc.q)
		}
		if txt := cardText(lang, c); verdict.MatchString(txt) {
			t.Errorf("%q: the answer gives a verdict: %q", tc.q, verdict.FindString(txt))
		}
	}
}

// urgentFirst checks that a card opens with immediate help: 112, the
// police, an occupational injury, crisis help and the unit.
func urgentFirst(t *testing.T, lang dialogs.Lang, c dialogs.Card) {
	t.Helper()
	if len(c.Blocks) < 2 || c.Blocks[0].Msg.ID != "situation.urgent.title" || c.Blocks[1].Msg.ID != "situation.urgent.text" {
		t.Fatalf("%s: immediate help does not come first: %v", c.Name, c.MsgIDs())
	}
	txt := strings.ToLower(reachRenderer.Text(lang, c.Blocks[1].Msg))
	want := map[dialogs.Lang][]string{
		dialogs.Danish:  {"112", "politiet", "arbejdsskade", "krisehjælp", "enhed for anonym håndtering"},
		dialogs.English: {"112", "police", "occupational injury", "crisis help", "unit for anonymous handling"},
	}[lang]
	for _, w := range want {
		if !strings.Contains(txt, w) {
			t.Errorf("%s: immediate help lacks %q: %s", c.Name, w, txt)
		}
	}
}

func TestSeverityComesFirstInFreeTextAndReflection(t *testing.T) {
	for _, tc := range []struct {
		loc string
		qs  []string
	}{
		{"da-DK", []string{"han overfaldt mig på arbejdet", "en kollega truede mig", "jeg blev tvunget til noget seksuelt"}},
		{"en-US", []string{"he assaulted me at work", "a colleague threatened me", "I was forced into something sexual"}},
	} {
		lang := dialogs.Lang(tc.loc[:2])
		for _, q := range tc.qs {
			s := newGSess(t, tc.loc, matcherConfig())
			r := s.say(q)
			if names := gNames(r); len(names) != 1 || names[0] != "situation:assault" {
				t.Errorf("%q answered %v, want the urgent situation", q, names)
				continue
			}
			urgentFirst(t, lang, r.Cards()[0])
		}

		// The reflection: physical assault, threats or coercion.
		s := newGSess(t, tc.loc, dialogs.Config{})
		form := s.click(dialogs.Submit(dialogs.VerbReflect, ""))
		var submit map[string]string
		for _, a := range form.Cards()[0].AllActions() {
			if a.Label.ID == "reflect.submit" {
				submit = a.Data
			}
		}
		r := s.clickWith(submit, map[string]string{
			"kind": "assault-threats", "severity": "very-serious", "duration": "once", "frequency": "once", "effect": "uneasy",
		})
		c := r.Cards()[len(r.Cards())-1]
		if c.Name != "reflect:result" {
			t.Fatalf("%s: reflection answered %v", tc.loc, gNames(r))
		}
		urgentFirst(t, lang, c)
		ids := c.MsgIDs()
		for _, unfit := range []string{"reflect.result.intention", "reflect.result.noteverything", "reflect.load.frequency.once"} {
			if slices.Contains(ids, unfit) {
				t.Errorf("%s: the assault reflection shows %s: %v", tc.loc, unfit, ids)
			}
		}
	}
}

func TestRoleRuleEmployeesGetTheirWaysManagersGetThePlaybookOffered(t *testing.T) {
	employee := []struct{ loc, q string }{
		{"da-DK", "kan min chef se hvad jeg skriver her"},
		{"en-US", "where do I report my boss"},
		{"da-DK", "min leder rører ved mig"},
		{"en-US", "my manager makes sexual jokes"},
		{"da-DK", "hvordan håndterer jeg en henvendelse om en lederkollega"},
	}
	for _, tc := range employee {
		for _, role := range []dialogs.Role{dialogs.RoleUnknown, dialogs.RoleEmployee} {
			s := newGSess(t, tc.loc, matcherConfig())
			s.p.Role = role
			r := s.say(tc.q)
			for _, c := range r.Cards() {
				if strings.HasPrefix(c.Name, "step:") || strings.HasPrefix(c.Name, "offer:") || hasAction(c, dialogs.VerbGuide, "") {
					t.Errorf("employee (%q) %q got a manager playbook: %v", role, tc.q, gNames(r))
				}
			}
			if len(s.p.Guides) != 0 {
				t.Errorf("employee %q: a playbook is in progress: %v", tc.q, s.p.Guides)
			}
			menu := s.say("menu")
			if slices.Contains(menu.Cards()[0].MsgIDs(), "core.menu.underway") {
				t.Errorf("employee %q: the menu lists a playbook in progress", tc.q)
			}
		}
	}

	// A manager asking how to handle a report about a fellow manager gets
	// that playbook offered; it is in progress only once opened.
	for _, tc := range []struct{ loc, q string }{
		{"da-DK", "hvordan håndterer jeg en henvendelse om en lederkollega"},
		{"en-US", "how do I handle a report about a fellow manager"},
	} {
		s := newGSess(t, tc.loc, matcherConfig())
		s.p.Role = dialogs.RoleManager
		r := s.say(tc.q)
		if names := gNames(r); len(names) != 1 || names[0] != "offer:manager-colleague" {
			t.Fatalf("manager %q: %v", tc.q, names)
		}
		if len(s.p.Guides) != 0 {
			t.Fatalf("the offered playbook is in progress: %v", s.p.Guides)
		}
		if slices.Contains(s.say("menu").Cards()[0].MsgIDs(), "core.menu.underway") {
			t.Fatalf("an offered playbook is listed as in progress")
		}
		start := dialogs.Submit(dialogs.VerbGuide, "manager-colleague")
		if names := gNames(s.click(start)); names[0] != "step:manager-colleague:clarify" {
			t.Fatalf("start: %v", names)
		}
		// And a manager describing it gets the situation with the playbook offered.
		m := newGSess(t, tc.loc, matcherConfig())
		m.p.Role = dialogs.RoleManager
		c := m.say(map[string]string{"da-DK": "hvor anmelder jeg min chef", "en-US": "where do I report my boss"}[tc.loc]).Cards()[0]
		if c.Name != "situation:own-manager" || !hasAction(c, dialogs.VerbGuide, "manager-colleague") {
			t.Errorf("manager describing: %s %v", c.Name, c.MsgIDs())
		}
	}
}

func TestThanksMenuLabelsAndFeedbackOnlyOnClick(t *testing.T) {
	for _, tc := range []struct{ loc, thanks, label string }{
		{"da-DK", "Tak!", "Er det over grænsen?"},
		{"en-US", "thank you", "Is this over the line?"},
	} {
		s := newGSess(t, tc.loc, matcherConfig())
		if names := gNames(s.say(tc.thanks)); len(names) != 1 || names[0] != "thanks" {
			t.Errorf("%q answered %v", tc.thanks, names)
		}
		if names := gNames(s.say(tc.label)); len(names) != 1 || names[0] != "reflect:form" {
			t.Errorf("typing the menu label %q answered %v", tc.label, names)
		}
		// An answer asks "did this help?" and emits nothing until clicked.
		r := s.say("hvad er sexisme")
		c := r.Cards()[0]
		if c.Name != "topic:sexism" || !hasAction(c, dialogs.VerbHelpful, "y:topic:sexism") {
			t.Fatalf("answer %s lacks 'did this help?'", c.Name)
		}
		for _, o := range r.Outputs {
			if _, ok := o.(dialogs.FeedbackVote); ok {
				t.Fatal("a vote emitted without a click")
			}
		}
		r = s.click(dialogs.Submit(dialogs.VerbHelpful, "n:topic:sexism"))
		if !slices.Contains(r.Outputs, dialogs.Output(dialogs.FeedbackVote{Doc: "topic:sexism", Helpful: false})) {
			t.Fatalf("no vote after the click: %v", r.Outputs)
		}
		// A forged document is refused, nothing stored.
		r = s.click(dialogs.Submit(dialogs.VerbHelpful, "y:topic:nope"))
		for _, o := range r.Outputs {
			if _, ok := o.(dialogs.FeedbackVote); ok {
				t.Fatal("a vote for an unknown document")
			}
		}
		// A question nothing fits offers sharing; only the click shares.
		q := "qwxz vvbn plorp"
		r = s.say(q)
		var share map[string]string
		for _, a := range r.Cards()[0].AllActions() {
			if a.Data[dialogs.KeyAction] == dialogs.VerbFeedbackShare {
				share = a.Data
			}
		}
		if share == nil {
			t.Fatalf("no share offer: %v", r.Cards()[0].MsgIDs())
		}
		for _, v := range share {
			if strings.Contains(v, "plorp") {
				t.Fatalf("the share button echoes the question: %v", share)
			}
		}
		for _, o := range r.Outputs {
			if _, ok := o.(dialogs.FeedbackShare); ok {
				t.Fatal("shared without a click")
			}
		}
		r = s.click(share)
		if !slices.ContainsFunc(r.Outputs, func(o dialogs.Output) bool { f, ok := o.(dialogs.FeedbackShare); return ok && f.Text == q }) {
			t.Fatalf("no share after the click: %v", r.Outputs)
		}
		// Only right after the question: a second click shares nothing.
		r = s.click(share)
		for _, o := range r.Outputs {
			if _, ok := o.(dialogs.FeedbackShare); ok {
				t.Fatal("shared twice")
			}
		}
	}
}
