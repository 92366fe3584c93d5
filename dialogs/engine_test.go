package dialogs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/contenttest"
)

// session is the driver (driver_test.go) of most engine tests.
type session struct{ *driver }

func newSession(t *testing.T, locale string) *session {
	return newSessionWith(t, locale, dialogs.Config{})
}

func newSessionWith(t *testing.T, locale string, cfg dialogs.Config) *session {
	if cfg.Content == nil {
		cfg.Content = contenttest.Small()
	}
	return &session{newDriver(t, dialogs.New(cfg), locale)}
}

// step runs one turn of any kind.
func (s *session) step(in dialogs.Input) dialogs.Result {
	s.t.Helper()
	return s.run(in)
}

// cards lists the names of the cards a turn sends.
func cardsOf(r dialogs.Result) []string {
	var names []string
	for _, o := range r.Outputs {
		switch o := o.(type) {
		case dialogs.Reply:
			names = append(names, o.Card.Name)
		case dialogs.Update:
			names = append(names, "update:"+o.Card.Name)
		}
	}
	return names
}

// msgIDs lists every message id a turn's cards show, in order.
func msgIDs(r dialogs.Result) []string {
	var ids []string
	for _, o := range r.Outputs {
		if rep, ok := o.(dialogs.Reply); ok {
			ids = append(ids, rep.Card.MsgIDs()...)
		}
	}
	return ids
}

// actionFor finds the first action (in blocks or card actions) with that label.
func actionFor(t *testing.T, r dialogs.Result, label string) map[string]string {
	t.Helper()
	for _, o := range r.Outputs {
		rep, ok := o.(dialogs.Reply)
		if !ok {
			continue
		}
		all := slices.Clone(rep.Card.Actions)
		for _, b := range rep.Card.Blocks {
			all = append(all, b.Actions...)
		}
		for _, a := range all {
			if a.Label.ID == label {
				return a.Data
			}
		}
	}
	t.Fatalf("no action %q in %v", label, cardsOf(r))
	return nil
}

func TestInstallWelcomesOnceAndAsksRole(t *testing.T) {
	s := newSession(t, "da-DK")
	r := s.step(dialogs.Input{Kind: dialogs.KindInstall})
	if got := cardsOf(r); !slices.Equal(got, []string{"welcome", "role"}) {
		t.Fatalf("install sent %v", got)
	}
	if r.Lang != dialogs.Danish || !s.p.Asked {
		t.Fatalf("lang %s, asked %v", r.Lang, s.p.Asked)
	}
	if got := cardsOf(s.step(dialogs.Input{Kind: dialogs.KindInstall})); len(got) != 0 {
		t.Fatalf("second install event greeted again: %v", got)
	}
	r = s.click(actionFor(t, r, "core.role.manager"))
	if s.p.Role != dialogs.RoleManager || !slices.Equal(cardsOf(r), []string{"menu"}) {
		t.Fatalf("role %q, cards %v", s.p.Role, cardsOf(r))
	}
	// The role question validates: an unknown role is asked again.
	r = s.click(dialogs.Submit(dialogs.VerbRole, "boss"))
	if ids := msgIDs(r); len(ids) == 0 || ids[0] != "core.role.retry" || s.p.Role != dialogs.RoleManager {
		t.Fatalf("invalid role: %v, role %q", ids, s.p.Role)
	}
	// Uninstall forgets the profile; a reinstall greets again.
	r = s.step(dialogs.Input{Kind: dialogs.KindUninstall})
	if len(r.Outputs) != 1 || s.p.Role != "" {
		t.Fatalf("uninstall: %v, role %q", r.Outputs, s.p.Role)
	}
	if _, ok := r.Outputs[0].(dialogs.Forget); !ok {
		t.Fatalf("uninstall output %T, want Forget", r.Outputs[0])
	}
	if got := cardsOf(s.step(dialogs.Input{Kind: dialogs.KindInstall})); !slices.Equal(got, []string{"welcome", "role"}) {
		t.Fatalf("reinstall sent %v", got)
	}
}

func TestGlobalCommandsInBothLanguages(t *testing.T) {
	cases := []struct {
		text  string
		first string // first message id of the reply
		card  string
	}{
		{"menu", "core.menu.title", "menu"},
		{"Menu!", "core.menu.title", "menu"},
		{"hjælp", "core.help.title", "help"},
		{"help", "core.help.title", "help"},
		{"annuller", "core.cancel.nothing", "menu"},
		{"cancel", "core.cancel.nothing", "menu"},
		{"forfra", "core.welcome.title", "welcome"},
		{"restart", "core.welcome.title", "welcome"},
		{"english", "core.lang.set", "menu"},
		{"dansk", "core.lang.set", "menu"},
		{"rolle", "core.role.ask", "role"},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			s := newSession(t, "da-DK")
			r := s.say(tc.text)
			if ids := msgIDs(r); len(ids) == 0 || ids[0] != tc.first || cardsOf(r)[0] != tc.card {
				t.Fatalf("%q → cards %v, ids %v", tc.text, cardsOf(r), ids)
			}
		})
	}
}

func TestLanguageChoice(t *testing.T) {
	s := newSession(t, "en-US")
	if r := s.say("menu"); r.Lang != dialogs.English {
		t.Fatalf("en-US client got %s", r.Lang)
	}
	if r := s.say("sprog"); r.Lang != dialogs.Danish || s.p.Lang != dialogs.Danish {
		t.Fatalf("switch: %s / saved %s", r.Lang, s.p.Lang)
	}
	s.locale = "en-GB"
	if r := s.say("menu"); r.Lang != dialogs.Danish {
		t.Fatalf("saved choice must win over the client locale, got %s", r.Lang)
	}
	if r := s.click(dialogs.Submit(dialogs.VerbLang, "")); r.Lang != dialogs.English {
		t.Fatalf("menu button did not switch back: %s", r.Lang)
	}
	d := newSession(t, "da")
	if r := d.say("menu"); r.Lang != dialogs.Danish {
		t.Fatalf("da client got %s", r.Lang)
	}
}

func TestRedeliveredActivityIsDuplicate(t *testing.T) {
	s := newSession(t, "da-DK")
	in := dialogs.Input{Kind: dialogs.KindMessage, Text: "menu", ActivityID: "same"}
	if r := s.step(in); r.Duplicate {
		t.Fatal("first delivery marked duplicate")
	}
	if r := s.step(in); !r.Duplicate || len(r.Outputs) != 0 {
		t.Fatalf("redelivery: duplicate=%v outputs=%d", r.Duplicate, len(r.Outputs))
	}
	// Only the last ids are remembered, so state stays small.
	for i := 0; i < 100; i++ {
		s.say("menu")
	}
	if n := len(s.st.Seen); n > 32 {
		t.Fatalf("remembers %d ids", n)
	}
}

func TestUnknownAndStaleActionsGetTheMenu(t *testing.T) {
	s := newSession(t, "da-DK")
	if ids := msgIDs(s.click(map[string]string{"a": "no-such-verb"})); ids[0] != "core.unknownAction" {
		t.Fatalf("unknown verb: %v", ids)
	}
	if ids := msgIDs(s.click(map[string]string{"garbage": "1"})); ids[0] != "core.unknownAction" {
		t.Fatalf("garbage submit: %v", ids)
	}
	if ids := msgIDs(s.click(map[string]string{"a": "x", "t": "old-tag"})); ids[0] != "core.stale" {
		t.Fatalf("stale card: %v", ids)
	}
	if ids := msgIDs(s.click(dialogs.Submit(dialogs.VerbTopic, "no-such-topic"))); ids[0] != "core.unknownAction" {
		t.Fatalf("unknown topic: %v", ids)
	}
}

func TestChangedDialogVersionIsResetGracefully(t *testing.T) {
	s := newSession(t, "da-DK")
	s.st.Stack = []dialogs.Frame{{Dialog: "retired-dialog", Version: 1, Tag: "t1"}}
	r := s.say("noget")
	if ids := msgIDs(r); ids[0] != "core.updated" || len(s.st.Stack) != 0 {
		t.Fatalf("stale frame: ids %v, stack %v", ids, s.st.Stack)
	}
}

func TestFreeTextWithoutMatcherIsHonest(t *testing.T) {
	s := newSession(t, "da-DK")
	if ids := msgIDs(s.say("hvad er klokken?")); ids[0] != "qa.unknown" {
		t.Fatalf("got %v", ids)
	}
}

func TestFreeTextRoutesToBestOrChoices(t *testing.T) {
	match := func(lang, q string) (string, []string) {
		switch {
		case strings.Contains(q, "sexisme"):
			return "topic:sexism", nil
		case strings.Contains(q, "leder"):
			return "", []string{"playbook:manager-colleague", "topic:get-help"}
		}
		return "", nil
	}
	s := newSessionWith(t, "da-DK", dialogs.Config{Matcher: match})
	s.p.Role = dialogs.RoleManager
	if c := cardsOf(s.say("hvad er sexisme")); c[0] != "topic:sexism" {
		t.Fatalf("best: %v", c)
	}
	r := s.say("min leder")
	if c := cardsOf(r); c[0] != "choices" {
		t.Fatalf("choices: %v", c)
	}
	// A playbook among the choices is offered, not started: the user
	// starts it from the offer.
	offer := s.click(actionFor(t, r, "playbook.manager-colleague.title"))
	if c := cardsOf(offer); c[0] != "offer:manager-colleague" {
		t.Fatalf("picked playbook: %v", c)
	}
	if len(s.p.Guides) != 0 {
		t.Fatalf("an offered playbook is in progress: %v", s.p.Guides)
	}
	if c := cardsOf(s.click(actionFor(t, offer, "situation.offer.start"))); !strings.HasPrefix(c[0], "step:manager-colleague:") {
		t.Fatalf("started playbook: %v", c)
	}
}

func TestMenuOrderFollowsRole(t *testing.T) {
	order := func(role dialogs.Role) []string {
		s := newSession(t, "da-DK")
		s.p.Role = role
		var ids []string
		for _, id := range msgIDs(s.say("menu")) {
			if id == "core.menu.guides" || id == "core.menu.topics" || id == "report.menu.report" {
				ids = append(ids, id)
			}
		}
		return ids
	}
	if got := order(dialogs.RoleEmployee); !slices.Equal(got, []string{"core.menu.topics", "report.menu.report", "core.menu.guides"}) {
		t.Fatalf("employee menu %v", got)
	}
	for _, r := range []dialogs.Role{dialogs.RoleManager, dialogs.RoleRep, dialogs.RoleHR} {
		if got := order(r); !slices.Equal(got, []string{"core.menu.guides", "core.menu.topics", "report.menu.report"}) {
			t.Fatalf("%s menu %v", r, got)
		}
	}
}
