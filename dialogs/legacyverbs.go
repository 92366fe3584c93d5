package dialogs

// legacyVerbs are the names verbs had on the wire until December 2026,
// when they were renamed for what they do (issue 14): "gsum" is now
// "guide-summary". Cards sent before that are still in people's chats,
// in campaign messages and in the outbox, and Teams keeps chats for
// years, so a click on one of them goes to its verb's handler under the
// new name (Step). An entry stays as long as such a card may be clicked;
// New refuses to register a verb under one of these names.
var legacyVerbs = map[string]string{
	"kack":     VerbCampaignAck,
	"kstatus":  VerbCampaignStatus,
	"kremind":  VerbCampaignRemind,
	"kapprove": VerbCampaignApprove,
	"kreject":  VerbCampaignReject,
	"krecallq": VerbCampaignRecallAsk,
	"krecall":  VerbCampaignRecall,
	"kcorrq":   VerbCampaignCorrectAsk,
	"kcorrp":   VerbCampaignCorrectPre,
	"kcorr":    VerbCampaignCorrect,
	"dclose":   VerbDialogClose,
	"gstep":    VerbGuideStep,
	"gsum":     VerbGuideSummary,
	"inboxmv":  VerbInboxMove,
	"rmcancel": VerbReminderCancel,
	"rcheck":   VerbReceiptCheck,
	"rsend":    VerbReceiptMessage,
	"rhide":    VerbReceiptHide,
	"cclaim":   VerbCaseClaim,
	"cstatus":  VerbCaseStatus,
	"creply":   VerbCaseReply,
	"cnote":    VerbCaseNote,
	"fb":       VerbHelpful,
	"fbshare":  VerbFeedbackShare,
	"fbadmin":  VerbFeedbackAdmin,
}

// currentVerb gives an input whose button carries a verb's earlier name
// that verb's name now, in a copy of its values (the caller's are not
// touched).
func currentVerb(in Input) Input {
	now, ok := legacyVerbs[in.Values[KeyAction]]
	if !ok {
		return in
	}
	vals := make(map[string]string, len(in.Values))
	for k, v := range in.Values {
		vals[k] = v
	}
	vals[KeyAction] = now
	in.Values = vals
	return in
}
