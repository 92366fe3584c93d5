package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kk/graensen/dialogs"
)

// A case is an append-only Redis Stream of sealed events at <p>report:<id>.
// Appending (XADD, inside a turn's commit) never overwrites what another
// replica wrote at the same moment, so a handler's reply and a reporter's
// answer arriving together both survive; the case is the fold of its
// events. Entry ids are "0-<n>" (XADD 0-*): a plain sequence, so unlike
// Redis' default ids they carry no timestamp. Each event is sealed with
// the data key and bound to the case key (AAD), and carries dates only.

// Event kinds.
const (
	evFiled  = "filed"
	evStatus = "status"
	evClaim  = "claim"
	evMsg    = "msg"
	evNote   = "note"
)

// event is one change to a case.
type event struct {
	K        string                 `json:"k"`
	Date     string                 `json:"d"`
	Answers  *dialogs.ReportAnswers `json:"a,omitempty"`
	Notify   bool                   `json:"n,omitempty"`
	AckDue   string                 `json:"ad,omitempty"`
	FbDue    string                 `json:"fd,omitempty"`
	Receipt  string                 `json:"rk,omitempty"` // the receipt index hash (not the code)
	Status   string                 `json:"s,omitempty"`
	Text     string                 `json:"t,omitempty"`
	FromUnit bool                   `json:"u,omitempty"`
	By       string                 `json:"b,omitempty"` // a handler's display name
}

// caseState is a folded case.
type caseState struct {
	View       dialogs.CaseView
	ReceiptKey string // full key of the receipt index
	LastActive string // date of the last event
	Acked      bool   // acknowledged: a status beyond new, or any answer
	Feedback   bool   // the unit has answered the reporter
}

func (s *Service) caseKey(id string) string   { return s.Store.CaseKey(id) }
func (s *Service) refKey(id string) string    { return s.Store.CaseRefKey(id) }
func (s *Service) postedKey(id string) string { return s.Store.PostedKey(id) }
func (s *Service) lockKey(id string) string   { return s.Store.LockKey(id) }

// appendOp is the commit op that appends an event to a case.
func (s *Service) appendOp(id string, ev event) ([]any, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode case event: %w", err)
	}
	return []any{"0-*", "e", s.Keys.Seal(b, []byte(s.caseKey(id)))}, nil
}

// errNoCase means the case does not exist (never filed, or purged).
var errNoCase = errors.New("no such case")

// loadCase reads and folds a case.
func (s *Service) loadCase(ctx context.Context, id string) (caseState, []event, error) {
	msgs, err := s.Store.Events(ctx, s.caseKey(id))
	if err != nil {
		return caseState{}, nil, fmt.Errorf("load case: %w", err)
	}
	var evs []event
	for _, sealed := range msgs {
		plain, err := s.Keys.Open(sealed, []byte(s.caseKey(id)))
		if err != nil {
			return caseState{}, nil, fmt.Errorf("open case event: %w", err)
		}
		var ev event
		if err := json.Unmarshal(plain, &ev); err != nil {
			return caseState{}, nil, fmt.Errorf("decode case event: %w", err)
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 || evs[0].K != evFiled {
		return caseState{}, nil, errNoCase
	}
	return s.fold(id, evs), evs, nil
}

// fold applies events in order.
func (s *Service) fold(id string, evs []event) caseState {
	var c caseState
	c.View.ID = id
	for _, ev := range evs {
		c.LastActive = max(c.LastActive, ev.Date)
		switch ev.K {
		case evFiled:
			c.View.Filed, c.View.Status = ev.Date, dialogs.StatusNew
			c.View.AckDue, c.View.FeedbackDue = ev.AckDue, ev.FbDue
			c.View.Notify = ev.Notify
			if ev.Answers != nil {
				c.View.Answers = *ev.Answers
			}
			c.ReceiptKey = s.Store.ReceiptKey(ev.Receipt)
		case evStatus:
			c.View.Status = ev.Status
			if ev.Status == dialogs.StatusClosed {
				c.View.Notify = false // the link is deleted at close
			}
		case evClaim:
			c.View.ClaimedBy = ev.By
		case evMsg:
			c.View.Msgs = append(c.View.Msgs, dialogs.CaseMsg{FromUnit: ev.FromUnit, Date: ev.Date, Text: ev.Text, By: ev.By})
			if ev.FromUnit {
				c.Feedback = true
			}
		case evNote:
			c.View.Notes = append(c.View.Notes, dialogs.CaseNote{Date: ev.Date, Text: ev.Text, By: ev.By})
		}
	}
	c.Acked = c.View.Status != dialogs.StatusNew || c.Feedback
	return c
}

// dayAt is a date at a wall-clock hour in Copenhagen (dialogs.DayAt; due
// times are derived from dates, so they never reveal when something was
// written). A date that does not parse counts from today in Copenhagen,
// by the service's clock.
func (s *Service) dayAt(date string, days, hour int) time.Time {
	if t, ok := dialogs.DayAt(date, days, hour); ok {
		return t
	}
	s.defaults()
	t, _ := dialogs.DayAt(dialogs.ReportDate(s.Now()), days, hour)
	return t
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
