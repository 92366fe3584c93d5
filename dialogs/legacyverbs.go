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
// that verb's name now.
func currentVerb(in Input) Input {
	if now, ok := legacyVerbs[in.Values[KeyAction]]; ok {
		return withVerb(in, now)
	}
	return in
}

// frameVerb is currentVerb for a click on a card of the flow named dialog.
func frameVerb(in Input, dialog string) Input {
	if now, ok := legacyFrameVerbs[dialog][in.Values[KeyAction]]; ok {
		return withVerb(in, now)
	}
	return in
}

// withVerb is in with its verb replaced, in a copy of its values (the
// caller's are not touched).
func withVerb(in Input, verb string) Input {
	vals := make(map[string]string, len(in.Values))
	for k, v := range in.Values {
		vals[k] = v
	}
	vals[KeyAction] = verb
	in.Values = vals
	return in
}

// legacyFrameVerbs are the earlier names of the verbs a flow's own cards
// carry (tagged for the flow's frame, so only that flow takes them), by
// flow: two flows once used the same names ("rback", "rsubmit"). A flow
// under way when its verbs were renamed (a report draft, a reminder
// being picked) goes on from its cards as they are.
var legacyFrameVerbs = map[string]map[string]string{
	campaignDialog:    {"kprev": verbCPreview, "kedit": verbCEdit, "ksched": verbCSchedule},
	quizDialogName:    {"qans": verbQuizAnswer, "qnext": verbQuizNext},
	reflectDialogName: {"rsubmit": verbReflectSubmit},
	remindDialog:      {"rpick": verbRemindPick, "rback": verbRemindBack},
	reportDialog:      {"rnext": verbRNext, "rback": verbRBack, "rsubmit": verbRSubmit, "rcancel": verbRCancel},
}
