package dialogs

import "unicode/utf8"

// The cards a feature's worker answers with are chosen here, over what the
// worker found (like ReceiptAnswer), so the choice is pure and tested;
// the workers keep only the I/O.

// CampaignNotice is the one-line card of the campaign flows: a message and
// the way back to the menu.
func CampaignNotice(msgID string) Card {
	return Card{Name: "campaign-notice", Blocks: []Block{{Kind: BlockText, Msg: M(msgID)}},
		Actions: []Action{{Label: M("core.menu.back"), Data: Submit(VerbMenu, "")}}}
}

// CampaignFinding is what bot/campaign found in storage that ends a
// campaign output with a notice instead of carrying it out.
type CampaignFinding int

const (
	// CampaignMissing: no campaign under the id (never created, purged).
	CampaignMissing CampaignFinding = iota + 1
	// CampaignNotRecipient: the user acknowledges a campaign they were not sent.
	CampaignNotRecipient
	// CampaignAudienceInvalid: the audience cannot be stored (no recipients
	// left once expanded, or too many).
	CampaignAudienceInvalid
)

// CampaignAnswer is the notice for what bot/campaign found.
func CampaignAnswer(f CampaignFinding) Card {
	switch f {
	case CampaignNotRecipient:
		return CampaignNotice("campaign.ack.unknown")
	case CampaignAudienceInvalid:
		return CampaignNotice("campaign.err.audience")
	default:
		return CampaignNotice("campaign.done.notFound")
	}
}

// CaseFinding is what bot/report found of the case a handler acted on in
// the unit's inbox.
type CaseFinding struct {
	Found  bool   // the case is still stored (not purged)
	Op     string // the handler's action: VerbCaseClaim, VerbCaseStatus, VerbCaseReply, VerbCaseNote
	Status string // the case's status when found
}

// CaseRefusal is the inbox card that answers a case action instead of
// carrying it out, and whether there is one: a case gone (purged) cannot
// be acted on, and a closed case takes no reply to the reporter.
func CaseRefusal(f CaseFinding) (Card, bool) {
	switch {
	case !f.Found:
		return ReportNotice("inbox-gone", "report.inbox.gone"), true
	case f.Op == VerbCaseReply && f.Status == StatusClosed:
		return ReportNotice("inbox-closed", "report.status.closedText"), true
	}
	return Card{}, false
}

// FileRefused is the report limit: a user who filed perUser reports today
// files no more, and once all reports today reach perDay only a user who
// has filed none today may still file.
func FileRefused(user, all, perUser, perDay int) bool {
	return user >= perUser || (all >= perDay && user > 0)
}

// MessageRefusal is the card refusing a reporter's message to the unit,
// and whether there is one: longer than maxRunes, or the reporter has
// sent maxPerDay messages on the case today (sentToday).
func MessageRefusal(text string, sentToday, maxRunes, maxPerDay int) (Card, bool) {
	if n := utf8.RuneCountInString(text); n > maxRunes {
		return Card{Name: "reporter-toolong", Blocks: []Block{{Kind: BlockText, Msg: Msg{ID: "report.rules.msgTooLong", Data: map[string]any{"Max": maxRunes, "N": n}}}}}, true
	}
	if sentToday >= maxPerDay {
		return Card{Name: "reporter-daylimit", Blocks: []Block{{Kind: BlockText, Msg: Msg{ID: "report.rules.msgsPerDay", Data: map[string]any{"Max": maxPerDay}}}}}, true
	}
	return Card{}, false
}
