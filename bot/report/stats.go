package report

import (
	"context"
	"sort"

	"github.com/kk/graensen/dialogs"
)

// Statistics hooks (issue 16). A report is counted when the inbox worker
// releases it to the unit (postNew), never in the reporter's turn, so the
// counters' writes carry the release's timing, not the reporter's. The
// acknowledgement, the first answer and the status are counted after a
// handler's action has been committed, outside its transaction (which
// holds the handler's own keys). Every count is made exactly once per case
// (redisstore's case marker), in the month the case was filed.

// countFiled counts a released case (idempotent).
func (s *Service) countFiled(ctx context.Context, id string, c caseState) {
	if len(c.View.Filed) < 7 {
		return
	}
	if _, err := s.Store.CountReport(ctx, id, c.View.Filed[:7], dialogs.ReportStatFields(c.View.Answers)); err != nil {
		s.Log.Warn("statistics: a released report was not counted", "err", err)
	}
}

// countAction counts what a handler's action changed: the first
// acknowledgement (within 7 days or not), the first answer (within 3
// months or not) and the status.
func (s *Service) countAction(ctx context.Context, id, date string, was, now caseState) {
	month := ""
	if len(was.View.Filed) >= 7 {
		month = was.View.Filed[:7]
	}
	if month == "" {
		return
	}
	var err error
	if !was.Acked && now.Acked {
		field := ""
		if date <= was.View.AckDue {
			field = "ack7"
		}
		err = s.Store.CountCaseOnce(ctx, id, month, "a", field)
	}
	if err == nil && !was.Feedback && now.Feedback {
		field := ""
		if date <= was.View.FeedbackDue {
			field = "fb3"
		}
		err = s.Store.CountCaseOnce(ctx, id, month, "b", field)
	}
	if err == nil && now.View.Status != was.View.Status {
		err = s.Store.CountCaseStatus(ctx, id, month, now.View.Status)
	}
	if err != nil {
		s.Log.Warn("statistics: a case action was not counted", "err", err)
	}
}

// Overdue lists the open cases past a deadline on today (YYYY-MM-DD): not
// acknowledged by the 7-day date, or not answered by the 3-month date,
// earliest first. For the handlers' statistics card only.
func (s *Service) Overdue(ctx context.Context, today string) ([]dialogs.Overdue, error) {
	s.defaults()
	ids, err := s.Store.CaseIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []dialogs.Overdue
	for _, id := range ids {
		if !dialogs.ValidCaseID(id) {
			continue
		}
		c, _, err := s.loadCase(ctx, id)
		if err != nil {
			continue // purged meanwhile, or unreadable: not listed
		}
		if c.View.Status == dialogs.StatusClosed {
			continue
		}
		if !c.Acked && c.View.AckDue != "" && c.View.AckDue < today {
			out = append(out, dialogs.Overdue{CaseID: id, Kind: "ack", Due: c.View.AckDue})
		}
		if !c.Feedback && c.View.FeedbackDue != "" && c.View.FeedbackDue < today {
			out = append(out, dialogs.Overdue{CaseID: id, Kind: "feedback", Due: c.View.FeedbackDue})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Due != out[j].Due {
			return out[i].Due < out[j].Due
		}
		return out[i].CaseID < out[j].CaseID
	})
	return out, nil
}
