package dialogs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

// TestReceiptAnswer: which card a reporter sees in "My receipt" for what
// the worker found out, one row each (bot/report keeps only the I/O).
func TestReceiptAnswer(t *testing.T) {
	next := time.Date(2026, 12, 2, 8, 0, 0, 0, dialogs.Copenhagen)
	open := dialogs.CaseView{ID: "abcd2345", Status: dialogs.StatusNew, Filed: "2026-12-01"}
	closed := open
	closed.Status = dialogs.StatusClosed
	cases := []struct {
		name string
		f    dialogs.ReceiptFinding
		card string
		has  []string // message ids the card must show
		not  []string // and must not
	}{
		{"limited", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptLimited}, "receipt-limited", []string{"report.receipt.limited"}, []string{"report.receipt.again"}},
		{"not found offers another try", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptNotFound}, "receipt-notfound", []string{"report.receipt.notfound", "report.receipt.again"}, nil},
		{"found open: the case and the next release", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptFound, View: open, Token: "tok", Next: next}, "receipt-status",
			[]string{"report.status.title", "report.status.answer", "report.release.when", "report.release.now"}, []string{"report.status.closedText"}},
		{"found closed: no answer, no release", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptFound, View: closed, Token: "tok", Next: next}, "receipt-status",
			[]string{"report.status.title", "report.status.closedText"}, []string{"report.status.answer", "report.release.when"}},
		{"expired offers another try", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptExpired}, "receipt-expired", []string{"report.receipt.expired", "report.receipt.again"}, nil},
		{"message to a closed case", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptClosed}, "reporter-closed", []string{"report.status.closedText"}, nil},
		{"sent, seen at the next release", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptSent, Next: next}, "reporter-sent", []string{"report.status.sent", "report.release.sentAt"}, []string{"report.release.sentNow"}},
		{"sent, seen at once", dialogs.ReceiptFinding{Outcome: dialogs.ReceiptSent}, "reporter-sent", []string{"report.status.sent", "report.release.sentNow"}, []string{"report.release.sentAt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dialogs.ReceiptAnswer(tc.f)
			if d.Title.ID != "report.receipt.title" || !d.Large {
				t.Fatalf("not the receipt window: %+v", d)
			}
			if d.Card.Name != tc.card {
				t.Fatalf("card %q, want %q", d.Card.Name, tc.card)
			}
			ids := d.Card.MsgIDs()
			for _, id := range tc.has {
				if !slices.Contains(ids, id) {
					t.Errorf("%s lacks %s (has %v)", tc.card, id, ids)
				}
			}
			for _, id := range tc.not {
				if slices.Contains(ids, id) {
					t.Errorf("%s shows %s", tc.card, id)
				}
			}
		})
	}
}
