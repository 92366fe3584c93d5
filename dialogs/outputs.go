package dialogs

// DomainOutputs lists a zero value of every output the pipeline cannot
// deliver by itself (everything but Reply, Update, Forget, ShowDialog and
// CloseDialog): each needs exactly one handler in the effect table
// (cmd/graensen/effects.go). A new output type is added here.
func DomainOutputs() []Output {
	return []Output{
		// reporting (bot/report)
		FileReport{}, CheckReceipt{}, ReporterMessage{}, RegisterInbox{}, ConfirmInboxMove{}, CaseAction{},
		// reminders (bot/reminder)
		ScheduleReminder{}, CancelReminder{},
		// statistics (bot/statistics)
		ShowStats{},
		// campaigns (bot/campaign)
		CampaignCreate{}, CampaignAck{}, CampaignStatus{}, CampaignRemind{}, CampaignPreviewed{}, CampaignApprove{},
		CampaignReject{}, CampaignRecallRun{}, CampaignCorrectForm{}, CampaignCorrectRun{},
		// feedback (bot/feedback)
		FeedbackVote{}, FeedbackShare{}, FeedbackReport{},
	}
}
