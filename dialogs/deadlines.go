package dialogs

import "time"

// A filed case's deadlines (issue 5): the unit acknowledges a report
// within 7 days and gives the reporter feedback within 3 months, counted
// in Copenhagen calendar days from the date the case records. The unit's
// handlers are reminded at 09:00, two days before the first and fourteen
// before the second. Dates only: no deadline reveals when anything was
// written. bot/report schedules them; these pure rules are pinned by
// TestCaseDeadlines.
const (
	AckDays           = 7
	FeedbackMonths    = 3
	ackReminderDays   = 2
	fbReminderDays    = 14
	deadlineReminderH = 9
)

// DayAt is a date ("2006-01-02") plus days, at a wall-clock hour in
// Copenhagen; ok is false when date does not parse.
func DayAt(date string, days, hour int) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, date, Copenhagen)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day()+days, hour, 0, 0, 0, Copenhagen), true
}

// CaseDeadlines are the acknowledgement and feedback due dates of a case
// filed on filed; ok is false when filed does not parse.
func CaseDeadlines(filed string) (ackDue, feedbackDue string, ok bool) {
	d, ok := DayAt(filed, 0, 0)
	if !ok {
		return "", "", false
	}
	return d.AddDate(0, 0, AckDays).Format(time.DateOnly), d.AddDate(0, FeedbackMonths, 0).Format(time.DateOnly), true
}

// DeadlineReminders are when the unit is reminded of a case's due dates.
func DeadlineReminders(ackDue, feedbackDue string) (ack, feedback time.Time, ok bool) {
	ack, ok1 := DayAt(ackDue, -ackReminderDays, deadlineReminderH)
	feedback, ok2 := DayAt(feedbackDue, -fbReminderDays, deadlineReminderH)
	return ack, feedback, ok1 && ok2
}

// DeadlineReminder decides what the unit's inbox is told when a case's
// deadline reminder comes (feedback: the 3-month one, else the 7-day
// acknowledgement): nothing once the case is closed or what is due has
// been given (acknowledged: a status beyond new, or any answer; feedback:
// an answer to the reporter), else the card's name and message.
func DeadlineReminder(feedback bool, status string, acknowledged, answered bool) (name, msg string, remind bool) {
	switch {
	case status == StatusClosed, !feedback && acknowledged, feedback && answered:
		return "", "", false
	case feedback:
		return "inbox-feedback-reminder", "report.inbox.feedbackReminder", true
	}
	return "inbox-ack-reminder", "report.inbox.ackReminder", true
}
