package main

import (
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/feedback"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
)

// effectRoutes is the one table from each domain output of the dialogs to
// the feature's handler that carries it out. bot.New checks it against
// dialogs.DomainOutputs: a type missing here, or listed twice, fails at
// start.
func effectRoutes(rep *report.Service, reminders effect.Func, st *statistics.Service, camp *campaign.Service, fb *feedback.Service) []effect.Route {
	cam := camp.Effect()
	return []effect.Route{
		// anonymous reporting, the unit's inbox and cases (bot/report)
		{Output: dialogs.FileReport{}, Handle: rep.Effect},
		{Output: dialogs.CheckReceipt{}, Handle: rep.Effect},
		{Output: dialogs.ReporterMessage{}, Handle: rep.Effect},
		{Output: dialogs.RegisterInbox{}, Handle: rep.Effect},
		{Output: dialogs.ConfirmInboxMove{}, Handle: rep.Effect},
		{Output: dialogs.CaseAction{}, Handle: rep.Effect},
		// playbook reminders (bot/reminder)
		{Output: dialogs.ScheduleReminder{}, Handle: reminders},
		{Output: dialogs.CancelReminder{}, Handle: reminders},
		// statistics (bot/statistics)
		{Output: dialogs.ShowStats{}, Handle: st.Effect},
		// AMK campaigns (bot/campaign: effect.go, effectguard.go)
		{Output: dialogs.CampaignCreate{}, Handle: cam},
		{Output: dialogs.CampaignAck{}, Handle: cam},
		{Output: dialogs.CampaignStatus{}, Handle: cam},
		{Output: dialogs.CampaignRemind{}, Handle: cam},
		{Output: dialogs.CampaignPreviewed{}, Handle: cam},
		{Output: dialogs.CampaignApprove{}, Handle: cam},
		{Output: dialogs.CampaignReject{}, Handle: cam},
		{Output: dialogs.CampaignRecallRun{}, Handle: cam},
		{Output: dialogs.CampaignCorrectForm{}, Handle: cam},
		{Output: dialogs.CampaignCorrectRun{}, Handle: cam},
		// AMK's feedback loop (bot/feedback)
		{Output: dialogs.FeedbackVote{}, Handle: fb.Effect},
		{Output: dialogs.FeedbackShare{}, Handle: fb.Effect},
		{Output: dialogs.FeedbackReport{}, Handle: fb.Effect},
	}
}
