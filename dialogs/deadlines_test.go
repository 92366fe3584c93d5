package dialogs_test

import (
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

// TestCaseDeadlines: 7 days to acknowledge and 3 months to give feedback,
// in Copenhagen calendar days, and the unit's reminders at 09:00 two and
// fourteen days before, across month ends, a leap day and DST changes.
func TestCaseDeadlines(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, dialogs.Copenhagen)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		filed, ack, fb      string
		ackRemind, fbRemind time.Time
	}{
		{"2026-12-01", "2026-12-08", "2027-03-01", at("2026-12-06 09:00"), at("2027-02-15 09:00")},
		{"2026-11-30", "2026-12-07", "2027-03-02", at("2026-12-05 09:00"), at("2027-02-16 09:00")}, // "30 February" runs on to 2 March, as time.AddDate does
		{"2027-12-31", "2028-01-07", "2028-03-31", at("2028-01-05 09:00"), at("2028-03-17 09:00")},
		{"2026-03-25", "2026-04-01", "2026-06-25", at("2026-03-30 09:00"), at("2026-06-11 09:00")}, // over the spring change (29 March)
	}
	for _, tc := range cases {
		ack, fb, ok := dialogs.CaseDeadlines(tc.filed)
		if !ok || ack != tc.ack || fb != tc.fb {
			t.Errorf("CaseDeadlines(%s) = %s, %s, %v; want %s, %s", tc.filed, ack, fb, ok, tc.ack, tc.fb)
			continue
		}
		ar, fr, ok := dialogs.DeadlineReminders(ack, fb)
		if !ok || !ar.Equal(tc.ackRemind) || !fr.Equal(tc.fbRemind) {
			t.Errorf("DeadlineReminders(%s, %s) = %s, %s; want %s, %s", ack, fb, ar, fr, tc.ackRemind, tc.fbRemind)
		}
	}
	if _, _, ok := dialogs.CaseDeadlines("1 December"); ok {
		t.Error("a date that does not parse has deadlines")
	}
}

// The unit is reminded of a deadline only while what is due has not been
// given and the case is open.
func TestDeadlineReminder(t *testing.T) {
	for _, tc := range []struct {
		feedback, acked, answered bool
		status, want              string
	}{
		{false, false, false, dialogs.StatusNew, "inbox-ack-reminder"},
		{false, true, false, dialogs.StatusProgress, ""},                       // acknowledged by a status
		{false, true, true, dialogs.StatusNew, ""},                             // acknowledged by an answer
		{false, false, false, dialogs.StatusClosed, ""},                        // closed
		{true, true, false, dialogs.StatusProgress, "inbox-feedback-reminder"}, // acknowledged, no answer yet
		{true, true, true, dialogs.StatusProgress, ""},                         // answered
		{true, false, false, dialogs.StatusClosed, ""},                         // closed
	} {
		name, msg, remind := dialogs.DeadlineReminder(tc.feedback, tc.status, tc.acked, tc.answered)
		if name != tc.want || remind != (tc.want != "") || (remind && msg == "") {
			t.Errorf("%+v: got %q %q %v, want %q", tc, name, msg, remind, tc.want)
		}
	}
}
