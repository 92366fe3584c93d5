package dialogs_test

import (
	"slices"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/stats"
)

func TestStatisticsOnlyForHandlersAndAdmins(t *testing.T) {
	cfg := dialogs.Config{Handlers: []string{"aad-h"}, Admins: []string{"aad-a"}}
	for _, tc := range []struct {
		locale, text, aad string
		scope             dialogs.Scope
		want              string // card name, or "" for the ShowStats output
		handler           bool
	}{
		{"da-DK", "statistik", "aad-h", dialogs.ScopePersonal, "", true},
		{"en-US", "statistics", "aad-a", dialogs.ScopePersonal, "", false},
		{"da-DK", "Statistik", "aad-someone", dialogs.ScopePersonal, "stats-refused", false},
		{"en-US", "statistics", "", dialogs.ScopePersonal, "stats-refused", false},
		{"da-DK", "statistik", "aad-h", dialogs.ScopeChannel, "stats-private", false},
	} {
		s := newSessionWith(t, tc.locale, cfg)
		s.aad, s.scope = tc.aad, tc.scope
		res := s.say(tc.text)
		if tc.want != "" {
			if c := cardsOf(res); len(c) != 1 || c[0] != tc.want {
				t.Errorf("%s by %q: cards %v, want %s", tc.text, tc.aad, c, tc.want)
			}
			for _, o := range res.Outputs {
				if _, ok := o.(dialogs.ShowStats); ok {
					t.Errorf("%s by %q: statistics shown", tc.text, tc.aad)
				}
			}
			continue
		}
		var show []dialogs.ShowStats
		for _, o := range res.Outputs {
			if x, ok := o.(dialogs.ShowStats); ok {
				show = append(show, x)
			}
		}
		if len(show) != 1 || show[0].Handler != tc.handler || show[0].Year != 2026 {
			t.Errorf("%s by %q: %+v", tc.text, tc.aad, show)
		}
	}
	// A year from the card's buttons; a year in the future is this year.
	s := newSessionWith(t, "da-DK", cfg)
	s.aad = "aad-a"
	for arg, want := range map[string]int{"2025": 2025, "2099": 2026, "x": 2026} {
		res := s.click(dialogs.Submit(dialogs.VerbStats, arg))
		if len(res.Outputs) != 1 || res.Outputs[0].(dialogs.ShowStats).Year != want {
			t.Errorf("year %q: %+v", arg, res.Outputs)
		}
	}
}

func TestReportStatFieldsFollowTheForm(t *testing.T) {
	dims := dialogs.ReportStatDims()
	var keys []string
	for _, d := range dims {
		keys = append(keys, d.Key)
		if len(d.Values) == 0 {
			t.Errorf("%s has no answers", d.Key)
		}
	}
	for _, k := range []string{"where", "often", "duration", "grave", "who", "wants"} {
		if !slices.Contains(keys, k) {
			t.Errorf("question %q is not counted (have %v)", k, keys)
		}
	}
	if slices.Contains(keys, "when") || slices.Contains(keys, "what") {
		t.Errorf("counted %v: the description and the incident's date are not statistics", keys)
	}
	f := dialogs.ReportStatFields(dialogs.ReportAnswers{What: "secret text", When: "week", Where: "online", Who: "bogus", Wants: []string{"advice", "advice", "nonsense"}})
	for _, want := range []string{"where=online", "who=none", "often=none", "wants=advice"} {
		if !slices.Contains(f, want) {
			t.Errorf("fields %v lack %s", f, want)
		}
	}
	for _, x := range f {
		if x == "wants=nonsense" || x == "who=bogus" || slices.Contains([]string{"secret text"}, x) {
			t.Errorf("field %s is not an answer of the form", x)
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(f), func(s string) bool { return s != "wants=advice" })); n != 1 {
		t.Errorf("a wish chosen twice counts %d times", n)
	}
	_ = stats.None
}

// The use counters come out of Result.Counts, never the outputs.
func TestUseCountsFromWhatATurnDid(t *testing.T) {
	s := newSession(t, "da-DK")
	counts := func(r dialogs.Result) []dialogs.CountUse {
		for _, o := range r.Outputs {
			if _, ok := o.(dialogs.CountUse); ok {
				t.Fatalf("a CountUse reached the outputs")
			}
		}
		return r.Counts
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbTopic, "unit"))); !slices.Equal(c, []dialogs.CountUse{{Metric: "topic", Key: "unit"}}) {
		t.Errorf("topic opened: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbTopics, ""))); len(c) != 0 {
		t.Errorf("the topic list counts as a topic: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbGuide, "receive-report"))); !slices.Contains(c, dialogs.CountUse{Metric: "playbook.start", Key: "receive-report"}) {
		t.Errorf("playbook started: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbGuide, "receive-report"))); len(c) != 0 {
		t.Errorf("reopening a playbook under way counts again: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbGuideStep, "receive-report:finish"))); !slices.Contains(c, dialogs.CountUse{Metric: "playbook.done", Key: "receive-report"}) {
		t.Errorf("playbook finished: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbMute, ""))); !slices.Contains(c, dialogs.CountUse{Metric: "campaign.mute"}) {
		t.Errorf("muted: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbMute, ""))); len(c) != 0 {
		t.Errorf("muting again counts again: %v", c)
	}
	// "Did this help?" on an answer counts as yes or no, by the answer.
	if c := counts(s.click(dialogs.Submit(dialogs.VerbHelpful, "y:topic:unit"))); !slices.Contains(c, dialogs.CountUse{Metric: "helpful.yes", Key: "topic:unit"}) {
		t.Errorf("helpful yes: %v", c)
	}
	if c := counts(s.click(dialogs.Submit(dialogs.VerbHelpful, "n:topic:unit"))); !slices.Contains(c, dialogs.CountUse{Metric: "helpful.no", Key: "topic:unit"}) {
		t.Errorf("helpful no: %v", c)
	}
}
