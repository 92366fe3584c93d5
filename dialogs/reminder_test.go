package dialogs_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/kk/graensen/dialogs"
)

var cph = dialogs.Copenhagen

// outputsOf returns the domain outputs of a turn (not cards).
func outputsOf(r dialogs.Result) []dialogs.Output {
	var out []dialogs.Output
	for _, o := range r.Outputs {
		switch o.(type) {
		case dialogs.Reply, dialogs.Update:
		default:
			out = append(out, o)
		}
	}
	return out
}

// openRemind opens the reminder dialog from the "round off" step of
// receive-report (a step with remind = true), ticking one item on the way.
func openRemind(t *testing.T, s *gsess) dialogs.Card {
	t.Helper()
	step := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuideStep, "receive-report:round-off")))
	c := gOnly(t, s.clickWith(gAction(t, step, "guide.remind.button"), submitted(step, "chk:round-off.talk-again")))
	if c.Name != "remind:pick" {
		t.Fatalf("remind opened %s", c.Name)
	}
	return c
}

// pickIn opens the dialog and picks; it returns the pick's result.
func pickIn(t *testing.T, s *gsess, pick string, values map[string]string) dialogs.Result {
	t.Helper()
	c := openRemind(t, s)
	return s.clickWith(pickAction(t, c, pick), values)
}

func pickAction(t *testing.T, c dialogs.Card, pick string) map[string]string {
	t.Helper()
	for _, a := range c.AllActions() {
		if a.Data[dialogs.KeyAction] == "remind-pick" && a.Data[dialogs.KeyArg] == pick {
			if a.Data[dialogs.KeyTag] == "" {
				t.Fatal("pick action not tagged")
			}
			return a.Data
		}
	}
	t.Fatalf("no pick %q on %s", pick, c.Name)
	return nil
}

func scheduled(t *testing.T, r dialogs.Result) dialogs.ScheduleReminder {
	t.Helper()
	out := outputsOf(r)
	if len(out) != 1 {
		t.Fatalf("outputs %v, want one ScheduleReminder (cards %v)", out, gNames(r))
	}
	sr, ok := out[0].(dialogs.ScheduleReminder)
	if !ok {
		t.Fatalf("output %T", out[0])
	}
	return sr
}

func TestReminderQuickPicksInBothLanguages(t *testing.T) {
	// 25 November 2026, 11:00 in Copenhagen (CET, UTC+1).
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		pick string
		want time.Time
	}{
		{"tomorrow", time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		{"3d", time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)},
		{"week", time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)},
	}
	transcripts := map[string][]string{}
	for _, loc := range bothLocales {
		for _, tc := range cases {
			t.Run(loc+"/"+tc.pick, func(t *testing.T) {
				s := newGSess(t, loc, dialogs.Config{})
				s.now = now
				r := pickIn(t, s, tc.pick, nil)
				sr := scheduled(t, r)
				if !sr.At.Equal(tc.want) || sr.Playbook != "receive-report" || sr.StepID != "round-off" || sr.Step != 0 || sr.ID == "" {
					t.Fatalf("scheduled %+v, want at %s", sr, tc.want)
				}
				c := gOnly(t, r)
				if c.Name != "remind:set" {
					t.Fatalf("confirmation card %s", c.Name)
				}
				when, _ := gMsg(c, "remind.set.text")
				if fmt.Sprint(when.Data["Day"], "/", when.Data["Month"], " ", when.Data["Year"], " ", when.Data["Time"]) !=
					fmt.Sprint(tc.want.In(cph).Day(), "/", int(tc.want.In(cph).Month()), " ", tc.want.Year(), " 09:00") {
					t.Fatalf("confirmation says %v", when.Data)
				}
				if len(s.p.Reminders) != 1 || s.p.Reminders[0].ID != sr.ID || !s.p.Reminders[0].At.Equal(sr.At) {
					t.Fatalf("profile reminders %+v", s.p.Reminders)
				}
				if !s.p.Guides["receive-report"].Checked["round-off.talk-again"] {
					t.Fatal("tick submitted with 'Remind me' was lost")
				}
				if len(s.st.Stack) != 0 {
					t.Fatalf("dialog left on the stack: %+v", s.st.Stack)
				}
				// The confirmation leads back into the playbook.
				if back := gOnly(t, s.click(gAction(t, c, "remind.back"))); back.Name != "step:receive-report:round-off" {
					t.Fatalf("back gave %s", back.Name)
				}
				transcripts[loc] = append(transcripts[loc], s.transcript...)
			})
		}
	}
	if !slices.Equal(transcripts["da-DK"], transcripts["en-US"]) {
		t.Fatal("Danish and English reminder transcripts differ")
	}
}

func TestReminderButtonOnlyOnRemindSteps(t *testing.T) {
	s := newGSess(t, "da-DK", dialogs.Config{})
	for _, p := range guideLib.Playbooks {
		for _, st := range p.Steps {
			c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuideStep, p.ID+":"+st.ID)))
			if got := gHasAction(c, dialogs.VerbRemind, p.ID+":"+st.ID); got != st.Remind {
				t.Errorf("%s/%s: remind button %v", p.ID, st.ID, got)
			}
			if st.Remind {
				pick := gOnly(t, s.click(dialogs.Submit(dialogs.VerbRemind, p.ID+":"+st.ID)))
				if pick.Name != "remind:pick" {
					t.Errorf("%s/%s: remind gave %s", p.ID, st.ID, pick.Name)
				}
			}
		}
	}
	// Opening it again replaces the earlier dialog rather than stacking.
	n := 0
	for _, f := range s.st.Stack {
		if f.Dialog == "remind" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d reminder dialogs on the stack", n)
	}
}

func TestReminderDateAndTimeValidated(t *testing.T) {
	for _, loc := range bothLocales {
		t.Run(loc, func(t *testing.T) {
			s := newGSess(t, loc, dialogs.Config{})
			s.now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
			c := openRemind(t, s)
			set := pickAction(t, c, "date")
			for _, tc := range []struct {
				date, clock, retry string
			}{
				{"", "", "remind.retry.date"},
				{"2026-13-01", "09:00", "remind.retry.date"},
				{"i morgen", "09:00", "remind.retry.date"},
				{"2026-12-01", "25:00", "remind.retry.date"},
				{"2026-11-24", "09:00", "remind.retry.past"},
				{"2026-11-25", "10:30", "remind.retry.past"}, // 09:30 UTC: earlier today
				{"2027-12-01", "09:00", "remind.retry.far"},
			} {
				r := s.clickWith(set, map[string]string{"rdate": tc.date, "rtime": tc.clock})
				c := gOnly(t, r)
				if c.Name != "remind:pick" || len(outputsOf(r)) != 0 || c.Blocks[0].Msg.ID != tc.retry {
					t.Fatalf("%q %q: card %s first %q outputs %v, want retry %s", tc.date, tc.clock, c.Name, c.Blocks[0].Msg.ID, outputsOf(r), tc.retry)
				}
				// What was typed stays in the form.
				for _, b := range c.Blocks {
					if b.ID == "rdate" && b.Text != tc.date {
						t.Fatalf("date input reset to %q", b.Text)
					}
				}
				set = pickAction(t, c, "date")
			}
			if len(s.p.Reminders) != 0 {
				t.Fatal("an invalid pick was recorded")
			}
			// A valid date and time, with seconds as some clients send them.
			sr := scheduled(t, s.clickWith(set, map[string]string{"rdate": "2026-12-24", "rtime": "16:30:00"}))
			if want := time.Date(2026, 12, 24, 15, 30, 0, 0, time.UTC); !sr.At.Equal(want) {
				t.Fatalf("at %s, want %s", sr.At, want)
			}
			// No time given: 09:00.
			c = openRemind(t, s)
			sr = scheduled(t, s.clickWith(pickAction(t, c, "date"), map[string]string{"rdate": "2027-01-04"}))
			if want := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC); !sr.At.Equal(want) {
				t.Fatalf("at %s, want %s", sr.At, want)
			}
		})
	}
}

func TestReminderAcrossDaylightSavingChanges(t *testing.T) {
	cases := []struct {
		name        string
		now         time.Time
		pick        string
		date, clock string
		want        time.Time
	}{
		// Spring forward on Sunday 29 March 2026 (CET → CEST at 01:00Z).
		{"spring tomorrow", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), "tomorrow", "", "", time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC)},
		{"spring day after", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), "date", "2026-03-30", "09:00", time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)},
		{"spring week", time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC), "week", "", "", time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)},
		// 02:30 does not exist that night: it moves forward by the hour skipped.
		{"spring gap", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), "date", "2026-03-29", "02:30", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
		// Fall back on Sunday 25 October 2026 (CEST → CET at 01:00Z).
		{"autumn tomorrow", time.Date(2026, 10, 24, 9, 0, 0, 0, time.UTC), "tomorrow", "", "", time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC)},
		{"autumn day after", time.Date(2026, 10, 24, 9, 0, 0, 0, time.UTC), "date", "2026-10-26", "09:00", time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)},
		{"autumn 3 days", time.Date(2026, 10, 23, 9, 0, 0, 0, time.UTC), "3d", "", "", time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)},
		// 02:30 happens twice that night: the first one, so it is never late.
		{"autumn overlap", time.Date(2026, 10, 24, 9, 0, 0, 0, time.UTC), "date", "2026-10-25", "02:30", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newGSess(t, "da-DK", dialogs.Config{})
			s.now = tc.now
			sr := scheduled(t, pickIn(t, s, tc.pick, map[string]string{"rdate": tc.date, "rtime": tc.clock}))
			if !sr.At.Equal(tc.want) {
				t.Fatalf("at %s, want %s", sr.At.UTC(), tc.want)
			}
		})
	}
}

func TestLocalInstant(t *testing.T) {
	for _, tc := range []struct {
		y    int
		m    time.Month
		d    int
		h, n int
		want time.Time
	}{
		{2026, 3, 29, 1, 59, time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC)},
		{2026, 3, 29, 2, 0, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}, // gap: 03:00 CEST
		{2026, 3, 29, 3, 0, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{2026, 10, 25, 2, 0, time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)}, // first 02:00
		{2026, 10, 25, 3, 0, time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)},
		{2026, 12, 32, 9, 0, time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC)}, // normalised
		{2026, 7, 1, 0, 0, time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC)},
	} {
		if got := dialogs.LocalInstant(tc.y, tc.m, tc.d, tc.h, tc.n, cph); !got.Equal(tc.want) {
			t.Errorf("%d-%d-%d %02d:%02d → %s, want %s", tc.y, tc.m, tc.d, tc.h, tc.n, got, tc.want)
		}
	}
}

func TestReminderListAndCancel(t *testing.T) {
	for _, loc := range bothLocales {
		t.Run(loc, func(t *testing.T) {
			s := newGSess(t, loc, dialogs.Config{})
			if m := gOnly(t, s.say("menu")); gHasAction(m, dialogs.VerbReminders, "") {
				t.Fatal("menu offers reminders before there are any")
			}
			list := gOnly(t, s.say("påmindelser"))
			if _, ok := gMsg(list, "remind.list.empty"); list.Name != "reminders" || !ok {
				t.Fatalf("empty list: %s", list.Name)
			}
			a := scheduled(t, pickIn(t, s, "week", nil))
			b := scheduled(t, pickIn(t, s, "tomorrow", nil))
			if a.ID == b.ID {
				t.Fatal("two reminders share an id")
			}
			m := gOnly(t, s.say("menu"))
			if !gHasAction(m, dialogs.VerbReminders, "") {
				t.Fatal("menu lacks 'My reminders'")
			}
			if g := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuides, ""))); !gHasAction(g, dialogs.VerbReminders, "") {
				t.Fatal("guide list lacks 'My reminders'")
			}
			for _, cmd := range []string{"påmindelser", "reminders", "Mine påmindelser", "my reminders"} {
				list = gOnly(t, s.say(cmd))
				if list.Name != "reminders" {
					t.Fatalf("%q gave %s", cmd, list.Name)
				}
			}
			// Soonest first, each with open and cancel.
			var cancels []string
			for _, act := range list.AllActions() {
				if act.Data[dialogs.KeyAction] == dialogs.VerbReminderCancel {
					cancels = append(cancels, act.Data[dialogs.KeyArg])
				}
			}
			if !slices.Equal(cancels, []string{b.ID, a.ID}) {
				t.Fatalf("cancel buttons %v, want %v", cancels, []string{b.ID, a.ID})
			}
			if !gHasAction(list, dialogs.VerbGuideStep, "receive-report:round-off") {
				t.Fatal("list lacks the way back into the playbook")
			}
			r := s.click(gAction(t, list, "remind.list.cancel", b.ID))
			if out := outputsOf(r); len(out) != 1 || out[0] != (dialogs.CancelReminder{ID: b.ID}) {
				t.Fatalf("cancel outputs %v", out)
			}
			if c := gOnly(t, r); c.Blocks[0].Msg.ID != "remind.cancelled" || gHasAction(c, dialogs.VerbReminderCancel, b.ID) {
				t.Fatalf("after cancel: %v", c.MsgIDs())
			}
			if len(s.p.Reminders) != 1 || s.p.Reminders[0].ID != a.ID {
				t.Fatalf("profile after cancel %+v", s.p.Reminders)
			}
			// A second click on the same cancel, or someone else's id, changes nothing.
			for _, id := range []string{b.ID, "not-mine", ""} {
				r = s.click(dialogs.Submit(dialogs.VerbReminderCancel, id))
				if len(outputsOf(r)) != 0 || gOnly(t, r).Blocks[0].Msg.ID != "remind.gone" {
					t.Fatalf("cancel %q again: %v", id, outputsOf(r))
				}
			}
			// Undo on the confirmation card cancels too.
			set := gOnly(t, pickIn(t, s, "3d", nil))
			id := s.p.Reminders[len(s.p.Reminders)-1].ID
			if out := outputsOf(s.click(gAction(t, set, "remind.set.undo"))); len(out) != 1 || out[0] != (dialogs.CancelReminder{ID: id}) {
				t.Fatalf("undo outputs %v", out)
			}
			// Once past, a reminder drops off the list (and the profile).
			s.now = a.At.Add(time.Minute)
			list = gOnly(t, s.say("reminders"))
			if _, ok := gMsg(list, "remind.list.empty"); !ok || len(s.p.Reminders) != 0 {
				t.Fatalf("past reminder still listed: %v / %+v", list.MsgIDs(), s.p.Reminders)
			}
			if m := gOnly(t, s.say("menu")); gHasAction(m, dialogs.VerbReminders, "") {
				t.Fatal("menu still offers reminders")
			}
		})
	}
}

func TestReminderBackAndStaleButtons(t *testing.T) {
	s := newGSess(t, "en-US", dialogs.Config{})
	c := openRemind(t, s)
	back := gOnly(t, s.click(gAction(t, c, "remind.back")))
	if back.Name != "step:receive-report:round-off" || len(s.st.Stack) != 0 || len(s.p.Reminders) != 0 {
		t.Fatalf("back: %s, stack %v", back.Name, s.st.Stack)
	}
	// The old pick card's buttons no longer act.
	r := s.click(pickAction(t, c, "tomorrow"))
	if gOnly(t, r).Blocks[0].Msg.ID != "core.stale" || len(outputsOf(r)) != 0 {
		t.Fatalf("stale pick: %v", gOnly(t, r).MsgIDs())
	}
	// Garbage arguments are answered, not crashed on.
	for _, arg := range []string{"", "receive-report", "receive-report:9", "receive-report:-1", "nope:0", "receive-report:x", "receive-report:finish", "receive-report:removed-step", "nope:listen"} {
		if r := s.click(dialogs.Submit(dialogs.VerbRemind, arg)); len(outputsOf(r)) != 0 || len(r.Cards()) != 1 {
			t.Fatalf("remind %q: %v", arg, gNames(r))
		}
	}
	if len(s.st.Stack) != 0 {
		t.Fatalf("invalid remind left a frame: %v", s.st.Stack)
	}
}

func TestReminderLimit(t *testing.T) {
	s := newGSess(t, "da-DK", dialogs.Config{})
	for range 20 {
		scheduled(t, pickIn(t, s, "week", nil))
	}
	r := pickIn(t, s, "week", nil)
	if len(outputsOf(r)) != 0 || gOnly(t, r).Blocks[0].Msg.ID != "remind.limit" || len(s.p.Reminders) != 20 {
		t.Fatalf("21st reminder: %v, %d in profile", outputsOf(r), len(s.p.Reminders))
	}
}

func TestReminderCard(t *testing.T) {
	// By step id, and by the position a reminder scheduled by an earlier
	// version carries ("2": the third step of the frozen order).
	for _, step := range []string{"agree", "2"} {
		c := dialogs.ReminderCard(guideLib, "manager-colleague", step)
		checkCard(t, c)
		if c.Name != "reminder:manager-colleague" || !gHasAction(c, dialogs.VerbGuide, "manager-colleague") || !gHasAction(c, dialogs.VerbGuideStep, "manager-colleague:agree") {
			t.Fatalf("reminder card for %q: %s %v", step, c.Name, menuVerbs(c))
		}
		if _, ok := gMsg(c, "playbook.manager-colleague.agree.title"); !ok {
			t.Fatalf("reminder card for %q does not say which step", step)
		}
	}
	c := dialogs.ReminderCard(guideLib, "manager-colleague", "agree")
	// Content changed since: still a kind card with a way in.
	for _, c := range []dialogs.Card{dialogs.ReminderCard(guideLib, "retired", "0"), dialogs.ReminderCard(guideLib, "manager-colleague", "99"), dialogs.ReminderCard(guideLib, "manager-colleague", "removed-step")} {
		checkCard(t, c)
		if !gHasAction(c, dialogs.VerbGuides, "") && !gHasAction(c, dialogs.VerbGuide, "manager-colleague") {
			t.Fatalf("%s has no way in", c.Name)
		}
	}
	// The reminder's buttons work in a fresh conversation.
	s := newGSess(t, "da-DK", dialogs.Config{})
	if got := gNames(s.click(gAction(t, c, "remind.card.open"))); len(got) != 1 {
		t.Fatalf("open gave %v", got)
	}
}
