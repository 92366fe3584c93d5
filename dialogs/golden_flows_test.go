package dialogs_test

import (
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/stats"
	"github.com/kk/graensen/internal/contenttest"
)

// The scripted flows of TestCardGoldenFiles: they reach, through the
// engine and the way a user, a case handler or an AMK admin would, the
// card kinds the walk from the menu does not (install, language, free
// text and situations, the report form and the receipt in the dialog
// window, the unit's inbox, campaigns, statistics, notices); and the
// pure card functions the bot's effects and workers call are called with
// fixed inputs (goldenPureCards). Each turn names the kinds it must show,
// so a flow that stops reaching a card fails where it stops.

// The Entra object ids of the flows' case handler, AMK admin and user.
const (
	goldenHandler = "0b1c2d3e-0000-4000-8000-0000000000a1"
	goldenAdmin   = "0b1c2d3e-0000-4000-8000-0000000000a2"
	goldenUser    = "0b1c2d3e-0000-4000-8000-0000000000a3"
	// goldenCaseID and goldenCampaign have the shape of a case and a
	// campaign id.
	goldenCaseID   = "K7QW2MXA"
	goldenCampaign = "c0123456789abcdef"
)

// goldenEngine is the flows' engine: the fixture library, the real
// free-text matcher over it, a handler and an admin.
func goldenEngine() *dialogs.Engine {
	cfg := matcherFor(contenttest.Small(), guideRenderer)
	cfg.Handlers, cfg.Admins = []string{goldenHandler}, []string{goldenAdmin}
	return dialogs.New(cfg)
}

// goldenButton is the data of the first button labelled labelID on the
// turn's cards (with the frame tag it carries), plus values (the card's
// inputs as the user filled them in).
func goldenButton(t *testing.T, r dialogs.Result, labelID string, values map[string]string) map[string]string {
	t.Helper()
	for _, c := range r.Cards() {
		for _, a := range c.AllActions() {
			if a.Label.ID == labelID && a.Data != nil {
				out := maps.Clone(values)
				if out == nil {
					out = map[string]string{}
				}
				maps.Copy(out, a.Data)
				return out
			}
		}
	}
	t.Fatalf("no button %q on the cards %v", labelID, cardsOf(r))
	return nil
}

// goldenEmits fails unless the turn emitted an output of type T (a turn
// whose answer the bot's effect builds, with the pure functions below).
func goldenEmits[T dialogs.Output](t *testing.T, r dialogs.Result) {
	t.Helper()
	for _, o := range r.Outputs {
		if _, ok := o.(T); ok {
			return
		}
	}
	var zero T
	t.Errorf("the turn did not emit a %T: %v", zero, cardsOf(r))
}

// goldenFlows drives the engine through every flow whose cards the walk
// from the menu does not reach.
func goldenFlows(t *testing.T, g *goldenCards, locale string) {
	t.Helper()
	e := goldenEngine()
	user := func() *driver {
		d := newDriver(t, e, locale)
		d.aad = goldenUser
		// Every turn answers a card, so a submitted form can be replaced.
		d.ids = func(n int) (string, string) { return "act-" + strconv.Itoa(n), "card-" + strconv.Itoa(n) }
		return d
	}
	lib := contenttest.Small()

	// Install: the welcome and the role question in a personal chat, the
	// welcome of a team.
	d := user()
	g.turn(d.run(dialogs.Input{Kind: dialogs.KindInstall}), "welcome", "role")
	g.turn(d.click(dialogs.Submit(dialogs.VerbRole, string(dialogs.RoleEmployee))), "menu")
	team := user()
	team.scope = dialogs.ScopeChannel
	g.turn(team.run(dialogs.Input{Kind: dialogs.KindInstall}), "welcome-channel")

	// The language: switched from the menu, and on a playbook step (the
	// step is shown again in the new language).
	g.turn(d.say("english"), "menu+core.lang.set")
	g.turn(d.click(dialogs.Submit(dialogs.VerbGuide, lib.Playbooks[0].ID)), "step")
	g.turn(d.say("dansk"), "lang", "step")

	// Free text: a situation in the user's own words (an urgent one
	// too), a playbook offered, a short choice, and a question the bot
	// cannot answer, shared with AMK when the user presses the button.
	d = user()
	r := g.turn(d.say("han kneb mig i numsen til julefrokosten"), "situation")
	g.turn(d.click(goldenButton(t, r, "feedback.no", nil)), "feedback_no")
	g.turn(d.say("han overfaldt mig"), "situation")
	g.turn(d.say("en medarbejder har anmeldt en kollega"), "offer")
	g.turn(d.say("grænsen"), "choices")
	g.turn(d.say("pizza opskrift"), "menu+qa.unknown")
	g.turn(d.click(dialogs.Submit(dialogs.VerbFeedbackShare, "")), "menu+feedback.share.done")
	g.turn(d.click(dialogs.Submit(dialogs.VerbFeedbackShare, "")), "menu+feedback.share.gone")
	g.turn(d.click(dialogs.Submit(dialogs.VerbHelpful, "y:situation:touching")), "feedback_thanks")
	g.turn(d.click(dialogs.Submit(dialogs.VerbThanks, "")), "thanks")

	// Cancel, stale and unknown buttons, a flow of an earlier version.
	d = user()
	g.turn(d.say("annuller"), "menu+core.cancel.nothing")
	form := g.turn(d.click(dialogs.Submit(dialogs.VerbReflect, "")), "reflect_form")
	g.turn(d.say("annuller"), "menu+core.cancel.done")
	g.turn(d.click(goldenButton(t, form, "reflect.submit", fillInputs(form.Cards()[0]))), "menu+core.stale")
	g.turn(d.click(dialogs.Submit("no-such-verb", "")), "menu+core.unknownAction")
	d.st = dialogs.State{Stack: []dialogs.Frame{{Dialog: "reflect", Version: 99, Tag: "old"}}}
	g.turn(d.say("hej"), "menu+core.updated")

	// The reflection: an incomplete form asked again, then sent (the
	// filled-in form is taken off the screen) and reflected back.
	d = user()
	form = g.turn(d.click(dialogs.Submit(dialogs.VerbReflect, "")), "reflect_form")
	g.turn(d.click(goldenButton(t, form, "reflect.submit", nil)), "reflect_form+reflect.retry")
	g.turn(d.click(goldenButton(t, form, "reflect.submit", fillInputs(form.Cards()[0]))), "reflect_sent", "reflect_result")

	// Anonymous reporting in the chat: the launcher's neutral answers.
	d = user()
	g.turn(d.run(dialogs.Input{Kind: dialogs.KindMessage, Values: dialogs.Submit(dialogs.VerbReport, ""), NoDialog: true}), "report-nodialog")
	g.turn(d.click(dialogs.Submit(dialogs.VerbReceiptHide, "code")), "report-cleared")
	team = user()
	team.scope = dialogs.ScopeChannel
	g.turn(team.click(dialogs.Submit(dialogs.VerbReport, "")), "report-private")
	g.turn(team.click(dialogs.Submit(dialogs.VerbReceiptHide, "code")), "hide-refused")

	// The report form in the dialog window: each step, an empty account
	// asked again, the window closed and opened again on a draft, sent.
	d = user()
	r = g.turn(d.dialog(dialogs.Submit(dialogs.VerbReport, "")), "report-intro")
	r = g.turn(d.dialog(goldenButton(t, r, "report.start", nil)), "report-what")
	r = g.turn(d.dialog(goldenButton(t, r, "report.next", nil)), "report-what+report.what.empty")
	r = g.turn(d.dialog(goldenButton(t, r, "report.next", map[string]string{"what": "Han kommenterede min krop igen.", "when": "week", "where": "workplace"})), "report-pattern")
	g.turn(d.dialog(goldenButton(t, r, "report.dialog.back", nil)), "report-what")
	r = g.turn(d.dialog(dialogs.Submit(dialogs.VerbReport, "")), "report-what+report.dialog.resumed")
	r = g.turn(d.dialog(goldenButton(t, r, "report.next", nil)), "report-pattern")
	r = g.turn(d.dialog(goldenButton(t, r, "report.next", map[string]string{"often": "several", "duration": "months", "grave": "some", "affect": "much", "who": "colleague"})), "report-wants")
	r = g.turn(d.dialog(goldenButton(t, r, "report.next", map[string]string{"wants": "advice,mediation", "notify": "true"})), "report-confirm")
	goldenEmits[dialogs.FileReport](t, g.turn(d.dialog(goldenButton(t, r, "report.send", nil))))
	// "My receipt" in the dialog window, and a code that cannot be one.
	r = g.turn(d.dialog(dialogs.Submit(dialogs.VerbReceipt, "")), "receipt-enter")
	g.turn(d.dialog(goldenButton(t, r, "report.receipt.check", map[string]string{"code": "not a code"})), "receipt-enter+report.receipt.malformed")

	// The unit's inbox: who may register it and act on cases, and where.
	h := user()
	h.aad, h.scope = goldenHandler, dialogs.ScopeChannel
	goldenEmits[dialogs.RegisterInbox](t, g.turn(h.click(dialogs.Submit(dialogs.VerbInbox, ""))))
	g.turn(h.click(dialogs.Submit(dialogs.VerbCaseClaim, "not-a-case")), "inbox-unknown")
	g.turn(h.clickWith(dialogs.Submit(dialogs.VerbCaseStatus, goldenCaseID), map[string]string{"status": "bogus"}), "inbox-nostatus")
	g.turn(h.clickWith(dialogs.Submit(dialogs.VerbCaseReply, goldenCaseID), map[string]string{"reply": "  "}), "inbox-notext")
	other := user()
	other.scope = dialogs.ScopeChannel
	g.turn(other.click(dialogs.Submit(dialogs.VerbInbox, "")), "inbox-refused")
	h = user()
	h.aad = goldenHandler
	g.turn(h.click(dialogs.Submit(dialogs.VerbInbox, "")), "inbox-channel-only")
	g.turn(h.click(dialogs.Submit(dialogs.VerbCaseClaim, goldenCaseID)), "inbox-only")

	// Statistics: refused to others, and kept out of channels.
	g.turn(user().say("statistik"), "stats-refused")
	h.scope = dialogs.ScopeChannel
	g.turn(h.say("statistik"), "stats-private")

	// Campaigns: refused to others; an admin's form, preview, edit and
	// schedule; recall and correction asked for from the progress card;
	// mute and unmute for everyone.
	g.turn(user().say("kampagne"), "campaign-refused")
	a := user()
	a.aad = goldenAdmin
	r = g.turn(a.say("kampagne"), "campaign-form")
	texts := map[string]string{
		"c_tda": "Husk opfølgningen", "c_xda": "Har du talt med din medarbejder igen?",
		"c_ten": "Remember the follow-up", "c_xen": "Have you talked to your employee again?",
		"c_link": "https://www.kk.dk/amk",
	}
	r = g.turn(a.click(goldenButton(t, r, "campaign.form.preview", mergeVals(texts, map[string]string{
		"c_aud": "role:manager", "c_date": "2026-12-01", "c_time": "09:30", "c_rep": "weekly", "c_ack": "true",
	}))), "campaign-preview")
	r = g.turn(a.click(goldenButton(t, r, "campaign.pre.edit", nil)), "campaign-form")
	r = g.turn(a.click(goldenButton(t, r, "campaign.form.preview", mergeVals(texts, map[string]string{"c_aud": "all"}))), "campaign-preview")
	goldenEmits[dialogs.CampaignCreate](t, g.turn(a.click(goldenButton(t, r, "campaign.pre.schedule", nil))))
	g.turn(a.click(dialogs.Submit(dialogs.VerbCampaignRecallAsk, goldenCampaign)), "campaign-recall-confirm")
	g.turn(a.clickWith(dialogs.Submit(dialogs.VerbCampaignCorrectPre, goldenCampaign), texts), "campaign-correct-confirm")
	g.turn(a.say("mute"), "campaign-muted")
	g.turn(a.say("unmute"), "campaign-unmuted")
}

// goldenPureCards adds the cards the bot's effects and workers build with
// the pure functions of the package, from fixed inputs; where the bot
// names a card (ReportNotice, InboxEventCard), with the name and message
// bot/report gives it.
func goldenPureCards(g *goldenCards) {
	g.t.Helper()
	lib := contenttest.Small()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	next := dialogs.MustRelease(dialogs.DefaultRelease).Next(now)

	// A reminder that fires: the first step that offers one.
	for _, p := range lib.Playbooks {
		for _, s := range p.Steps {
			if s.Remind {
				g.add(dialogs.ReminderCard(lib, p.ID, s.ID))
			}
		}
	}

	// Anonymous reporting: the receipt after sending, the limit, the
	// notice in the chat, and "My receipt" for every finding.
	view := dialogs.CaseView{
		ID: goldenCaseID, Filed: "2026-11-25", Status: dialogs.StatusAck, AckDue: "2026-12-02", FeedbackDue: "2027-02-25",
		Answers: dialogs.ReportAnswers{What: "Han kommenterede min krop igen.", When: "week", Where: "workplace", Often: "several",
			Duration: "months", Grave: "some", Affect: "much", Who: "colleague", Wants: []string{"advice", "mediation"}},
		ClaimedBy: "Hanne Handler",
		Msgs: []dialogs.CaseMsg{
			{FromUnit: true, Date: "2026-11-26", Text: "Tak for din henvendelse. Vil du tale med os?", By: "Hanne Handler"},
			{Date: "2026-11-27", Text: "Ja, gerne i næste uge."},
		},
		Notes:  []dialogs.CaseNote{{Date: "2026-11-26", Text: "Aftal et møde.", By: "Hanne Handler"}},
		Notify: true,
	}
	g.add(
		dialogs.WithReleaseNote(dialogs.ReceiptCard(goldenCaseID, "23456789ABCDEFGHJKMN", true), next),
		dialogs.ReportNotice("report-limited", "report.limit.file"),
		dialogs.NotifyCard(),
	)
	for _, f := range []dialogs.ReceiptFinding{
		{Outcome: dialogs.ReceiptFound, View: view, Token: "sealed-session", Next: next},
		{Outcome: dialogs.ReceiptLimited},
		{Outcome: dialogs.ReceiptNotFound},
		{Outcome: dialogs.ReceiptExpired},
		{Outcome: dialogs.ReceiptClosed},
		{Outcome: dialogs.ReceiptSent, Next: next},
	} {
		g.add(dialogs.ReceiptAnswer(f).Card)
	}
	for _, c := range []struct {
		text              string
		sent, max, perDay int
	}{{strings.Repeat("x", 41), 0, 40, 5}, {"Tak.", 5, 4000, 5}} {
		if card, ok := dialogs.MessageRefusal(c.text, c.sent, c.max, c.perDay); ok {
			g.add(card)
		}
	}

	// The unit's inbox: a case card, the refusals of case actions, the
	// registration and its move, and the short messages in a case's thread.
	g.add(dialogs.InboxCard(view), dialogs.ReportNotice("inbox-registered", "report.inbox.registered"),
		dialogs.TeamChannelOnlyCard(), dialogs.InboxMoveCard("move-nonce"), dialogs.InboxMovedCard("2026-11-25", "Hanne Handler"),
		dialogs.ReportNotice("inbox-move-expired", "report.rules.moveExpired"),
		dialogs.InboxEventCard("inbox-newinfo", "report.inbox.newInfo", view),
		dialogs.InboxEventCard("inbox-ack-reminder", "report.inbox.ackReminder", view),
		dialogs.InboxEventCard("inbox-feedback-reminder", "report.inbox.feedbackReminder", view),
		dialogs.InboxEventCard("inbox-toolarge", "report.rules.tooLargeNotice", view),
	)
	for _, f := range []dialogs.CaseFinding{{}, {Found: true, Op: dialogs.VerbCaseReply, Status: dialogs.StatusClosed}} {
		if card, ok := dialogs.CaseRefusal(f); ok {
			g.add(card)
		}
	}

	// Campaigns: the message a recipient gets, in a channel, withdrawn;
	// a worker's notice; the correction form.
	spec := dialogs.CampaignSpec{ID: goldenCampaign, TitleDA: "Husk opfølgningen", TextDA: "Har du talt med din medarbejder igen?",
		TitleEN: "Remember the follow-up", TextEN: "Have you talked to your employee again?", Link: "https://www.kk.dk/amk",
		Audience: dialogs.CampaignAudience{Kind: dialogs.AudienceRole, Role: dialogs.RoleManager}, Ack: true}
	g.add(dialogs.CampaignMessage(spec, dialogs.Danish), dialogs.ChannelMessage(spec, dialogs.Danish), dialogs.CampaignWithdrawn(),
		dialogs.CampaignAnswer(dialogs.CampaignMissing), dialogs.CorrectionForm(goldenCampaign, spec, ""))

	// What AMK's admins see of "did this help?" and shared questions.
	g.add(dialogs.FeedbackCard(dialogs.FeedbackSummary{
		Votes: []dialogs.FeedbackCount{
			{Doc: "topic:sexism", YesShow: "12", NoShow: "<5"},
			{Doc: "situation:touching", YesShow: "7", NoShow: "5"},
			{Doc: "excuse:just-a-joke", YesShow: "<5", NoShow: "0"},
		},
		Questions: []dialogs.SharedQuestion{
			{Day: "2026-11-20", Lang: "da", Text: "Må min chef læse med her?"},
			{Day: "2026-11-21", Lang: "en", Text: "What if it was a customer?"},
		},
		QuestionCount: "6",
	}))

	// The statistics card, for a handler: a year of reports and use.
	g.add(dialogs.StatsCard(goldenStats(now)))
}

// goldenStats is a handler's statistics view of fixed counters: enough
// reports and uses that most counts are shown, and one small count (two
// reports online in March) with what must be hidden so it cannot be
// worked out.
func goldenStats(now time.Time) dialogs.StatsView {
	reports := map[string]map[string]int64{}
	use := map[string]map[string]int64{}
	for i, m := range stats.Months(2026)[:10] {
		n, online := int64(20+i), int64(6)
		if i == 2 {
			online = 2
		}
		reports[m] = map[string]int64{
			"filed": n, "ack7": n - 1, "fb3": n - 2,
			"where=workplace": n - online, "where=online": online,
			"often=once": n - 5, "often=several": 5,
			"duration=short": n, "grave=some": n, "affect=much": n,
			"who=colleague": n - 5, "who=manager": 5,
			"wants=advice": n, "wants=mediation": 5,
			"status=closed": n - 5, "status=progress": 5,
		}
		use[m] = map[string]int64{
			"topic|sexism": 20 + int64(i), "topic|get-help": 9, "topic|unit": 6,
			"helpful.yes|topic:sexism": 8, "helpful.no|topic:sexism": 6,
			"playbook.start|receive-report": 6, "playbook.done|receive-report": 5,
			"reminder.set|receive-report": 5, "campaign.ack|": 11, "campaign.mute|": 5,
		}
	}
	return dialogs.StatsView{
		Reports: stats.BuildReports(2026, dialogs.MinShown, reports, dialogs.ReportStatDims(), dialogs.CaseStatuses, dialogs.ReportDate(now)),
		Use:     stats.BuildUse(2026, dialogs.MinShown, use),
		Overdue: []dialogs.Overdue{{CaseID: goldenCaseID, Kind: "ack", Due: "2026-11-20"}},
		Handler: true,
		Now:     now,
	}
}
