package dialogs

import "time"

// What a reporter sees in "My receipt" is decided here, not in the
// worker: bot/report finds out what is the case (limits, the case, the
// session: all I/O) and hands over a ReceiptFinding; ReceiptAnswer picks
// the card. TestReceiptAnswer pins every row.

// ReceiptOutcome is what a receipt check or a reporter's message came to.
type ReceiptOutcome int

// Outcomes of a receipt check (CheckReceipt) and of a reporter's message
// (ReporterMessage).
const (
	ReceiptLimited  ReceiptOutcome = iota + 1 // too many guesses or checks for now
	ReceiptNotFound                           // no case has that code
	ReceiptFound                              // the case: View, Token, Next
	ReceiptExpired                            // the message's session ran out, or the case is gone
	ReceiptClosed                             // a message to a closed case
	ReceiptSent                               // the message was taken: Next is when the unit sees it
)

// ReceiptFinding is a receipt outcome with what its card shows.
type ReceiptFinding struct {
	Outcome ReceiptOutcome
	// View and Token (the sealed session for an answer) are the found case.
	View  CaseView
	Token string
	// Next is, for ReceiptFound, the next release (offered unless the case
	// is closed); for ReceiptSent when the unit will see the message (zero:
	// at once).
	Next time.Time
}

// ReceiptAnswer is the dialog window's next card for a finding.
func ReceiptAnswer(f ReceiptFinding) ShowDialog {
	var c Card
	switch f.Outcome {
	case ReceiptLimited:
		c = ReportNotice("receipt-limited", "report.receipt.limited")
	case ReceiptNotFound:
		c = ReportNotice("receipt-notfound", "report.receipt.notfound")
	case ReceiptFound:
		c = ReceiptStatusCard(f.View, f.Token)
		if f.View.Status != StatusClosed {
			c = WithReleaseChoice(c, f.Next)
		}
	case ReceiptClosed:
		c = ReportNotice("reporter-closed", "report.status.closedText")
	case ReceiptSent:
		c = WithReleaseNote(ReportNotice("reporter-sent", "report.status.sent"), f.Next)
	default: // ReceiptExpired, and nothing else is ever handed over
		c = ReportNotice("receipt-expired", "report.receipt.expired")
	}
	return ReceiptDialog(c)
}
