package dialogs

// Anonymous reporting (issue 5): the intake form and the receipt check in
// a Teams dialog window opened from the 1:1 chat (dialogwin.go: nothing of
// a case becomes a chat message), and the unit's inbox in its Teams channel.
//
// Everything here is pure. The draft lives in the form's frame data
// (State.Form, sealed by the bot) until the reporter presses Send; then
// the flow emits FileReport and ends in the same step, so the draft leaves
// the conversation state in the same commit that writes the report. Reads
// and writes of cases are done by the bot's report effect (bot/report),
// which builds its cards with the pure functions at the end of this file.

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Verbs of anonymous reporting.
const (
	VerbReceipt        = "receipt"         // the card where a receipt code is entered
	VerbReceiptCheck   = "receipt-check"   // check the entered code (input "code")
	VerbReceiptMessage = "receipt-message" // the reporter answers from the status card (arg: session token, input "msg")
	VerbReceiptHide    = "receipt-hide"    // clear a card from the chat (arg "code" or "status"); kept for cards sent before dialogs
	VerbInbox          = "inbox"           // register this channel as the unit's inbox (handlers only)
	VerbCaseClaim      = "case-claim"      // handler: claim a case (arg: case id)
	VerbCaseStatus     = "case-status"     // handler: set the status (arg: case id, input "status")
	VerbCaseReply      = "case-reply"      // handler: answer the reporter (arg: case id, input "reply")
	VerbCaseNote       = "case-note"       // handler: add an internal note (arg: case id, input "note")

	verbRNext   = "report-next"
	verbRBack   = "report-back"
	verbRSubmit = "report-submit"
	verbRCancel = "report-cancel"

	reportDialog = "report"
	// MaxReportText bounds the free text of a report and of later messages.
	MaxReportText = 4000
)

// Case statuses.
const (
	StatusNew      = "new"
	StatusAck      = "ack"
	StatusProgress = "progress"
	StatusClosed   = "closed"
)

// CaseStatuses are the statuses a handler can set, in order.
var CaseStatuses = []string{StatusNew, StatusAck, StatusProgress, StatusClosed}

// ReportDate is the date (never the time) a report carries: the
// Copenhagen calendar day of t, as YYYY-MM-DD.
func ReportDate(t time.Time) string { return t.In(Copenhagen).Format(time.DateOnly) }

// ReportAnswers are the reporter's answers. Choice fields hold option
// values (see reportOptions); "unsure" means "don't know / rather not say".
type ReportAnswers struct {
	What     string   `json:"w,omitempty"`
	When     string   `json:"wn,omitempty"`
	Where    string   `json:"wh,omitempty"`
	Often    string   `json:"o,omitempty"`
	Duration string   `json:"d,omitempty"`
	Grave    string   `json:"g,omitempty"`
	Affect   string   `json:"af,omitempty"`
	Who      string   `json:"p,omitempty"`
	Wants    []string `json:"x,omitempty"`
}

// reportOptions are the choice fields of the form and their values, in the
// order shown. Every single choice ends with "unsure".
//
// The values are stable keys: they are stored in cases and counted in
// statistics, so a key is never renamed or given another meaning; only
// its label (locales/report.*.toml, report.opt.<field>.<key>) changes.
//
//	when      week, month, halfyear, older, unsure       (roughly when)
//	where     workplace, event, online, elsewhere, unsure
//	often     once, several, ongoing, unsure             (hyppighed: how often)
//	duration  short, months, long, unsure                (varighed: how long)
//	grave     little, some, much, unsure                 (grovhed: how severe the acts were)
//	affect    little, some, much, unsure                 (how much it affects the reporter)
//	who       colleague, manager, external, another, unsure
//	wants     tell, advice, mediation, psych, investigate (several; mediation is
//	          the source's "forsonende dialog", investigate its "upartisk
//	          undersøgelse")
//
// Retired keys, never offered again but still rendered for cases filed
// with them: wants "contact" (the source offers no such option). Before
// the affect question existed, "grave" was asked as how heavy it felt.
var reportOptions = map[string][]string{
	"when":     {"week", "month", "halfyear", "older", "unsure"},
	"where":    {"workplace", "event", "online", "elsewhere", "unsure"},
	"often":    {"once", "several", "ongoing", "unsure"},
	"duration": {"short", "months", "long", "unsure"},
	"grave":    {"little", "some", "much", "unsure"},
	"affect":   {"little", "some", "much", "unsure"},
	"who":      {"colleague", "manager", "external", "another", "unsure"},
	"wants":    {"tell", "advice", "mediation", "psych", "investigate"},
}

// FileReport files a new report. It holds no identity: a random case id,
// the receipt code (the effect stores only its slow hash), the date and
// the answers. Notify is the reporter's opt-in to a neutral notice in this
// chat when the unit answers; only then does the effect keep a sealed link
// to the conversation. The effect answers with ReportDialog(ReceiptCard).
type FileReport struct {
	CaseID  string
	Receipt string // normalised receipt code
	Date    string // YYYY-MM-DD
	Answers ReportAnswers
	Notify  bool
	// Token is the filing's idempotency token: random, drawn with the case
	// id and the receipt when the draft reached the confirmation step, so
	// a rerun or a double click files once. Now is the reporter's choice to
	// send at once rather than at the next release (the unit then sees the
	// time).
	Token string
	Now   bool
}

// CheckReceipt asks for a case's status by its receipt code (a query: the
// effect answers with ReceiptStatusCard or a refusal).
type CheckReceipt struct{ Code string }

// ReporterMessage adds the reporter's answer or new information to the
// case opened by a receipt check (Token is the check's sealed session).
type ReporterMessage struct {
	Token string
	Text  string
	Date  string
	Now   bool // send at once rather than at the next release
}

// RegisterInbox makes the turn's channel the unit's inbox (checked: a
// handler, in a channel).
type RegisterInbox struct{}

// CaseAction is a handler's action on a case from the inbox card.
type CaseAction struct {
	CaseID string
	Op     string // VerbCaseClaim, VerbCaseStatus, VerbCaseReply or VerbCaseNote
	Status string // for VerbCaseStatus
	Text   string // for VerbCaseReply and VerbCaseNote
	Date   string
	// ActivityID is the inbox card the action came from, to update it.
	ActivityID string
}

func (FileReport) IsOutput()      {}
func (CheckReceipt) IsOutput()    {}
func (ReporterMessage) IsOutput() {}
func (RegisterInbox) IsOutput()   {}
func (CaseAction) IsOutput()      {}

func (e *Engine) registerReport() {
	// The form runs only in the dialog window (dialogwin.go); in the chat,
	// "report" and "receipt" show the launcher. A stored chat frame of the
	// old in-chat form (version 1) is dropped as outdated.
	e.register(&reportFlow{e: e})
	e.view(VerbReport, e.launcherView)
	e.view(VerbReceipt, e.launcherView)
	e.view(VerbReceiptCheck, e.launcherView)
	e.view(VerbReceiptMessage, e.launcherView)
	e.view(VerbReceiptHide, e.hideView)
	e.view(VerbInbox, e.inboxView)
	for _, v := range []string{VerbCaseClaim, VerbCaseStatus, VerbCaseReply, VerbCaseNote} {
		e.view(v, e.caseActionView(v))
	}
	e.registerInboxRules()
}

// --- Receipt codes and case ids -------------------------------------------

// receiptAlphabet has no look-alikes: no 0/O, 1/I/L, nor U (V). 30 symbols.
const receiptAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// ReceiptLen symbols of 30 give 20·log2(30) ≈ 98 bits.
const ReceiptLen = 20

// randomSymbols draws n symbols uniformly from receiptAlphabet (rejection
// sampling, so no symbol is more likely than another).
func randomSymbols(rnd func(int) []byte, n int) string {
	const limit = 256 - 256%len(receiptAlphabet)
	var sb strings.Builder
	for sb.Len() < n {
		for _, b := range rnd(n + 8) {
			if int(b) < limit && sb.Len() < n {
				sb.WriteByte(receiptAlphabet[int(b)%len(receiptAlphabet)])
			}
		}
	}
	return sb.String()
}

// NewReceiptCode makes a receipt code (normalised: 20 symbols, no dashes).
func NewReceiptCode(rnd func(int) []byte) string { return randomSymbols(rnd, ReceiptLen) }

// FormatReceipt groups a normalised code for reading: XXXXX-XXXXX-XXXXX-XXXXX.
func FormatReceipt(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 5 {
		parts = append(parts, code[i:min(i+5, len(code))])
	}
	return strings.Join(parts, "-")
}

// ParseReceipt normalises what a reporter typed: case, spaces, dashes and
// dots do not matter. It returns false when the result cannot be a code.
func ParseReceipt(s string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '\n' || r == '\u00a0':
		case strings.ContainsRune(receiptAlphabet, r):
			sb.WriteRune(r)
		default:
			return "", false
		}
	}
	code := sb.String()
	return code, len(code) == ReceiptLen
}

// caseIDLen symbols make a case id (~39 bits: unique among the unit's cases).
const caseIDLen = 8

// CaseNo is how a case id is shown: K-XXXX-XXXX.
func CaseNo(id string) string {
	if len(id) != caseIDLen {
		return "K-" + id
	}
	return "K-" + id[:4] + "-" + id[4:]
}

// ValidCaseID reports whether s has the shape of a case id (card data is
// untrusted).
func ValidCaseID(s string) bool {
	if len(s) != caseIDLen {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(receiptAlphabet, r) {
			return false
		}
	}
	return true
}

// --- The intake interview ---------------------------------------------------

type reportDraft struct {
	A      ReportAnswers `json:"a"`
	Notify bool          `json:"n,omitempty"`
	// The case id, receipt code and filing token, drawn once the draft
	// reaches the confirmation step, so every rerun of the filing turn
	// files the same case (see FileReport.Token).
	CaseID  string `json:"c,omitempty"`
	Receipt string `json:"r,omitempty"`
	Token   string `json:"t,omitempty"`
}

// draw fills in the case id, receipt and token if not drawn yet.
func (dr *reportDraft) draw(rnd func(int) []byte) {
	if dr.CaseID == "" || dr.Receipt == "" || dr.Token == "" {
		dr.CaseID, dr.Receipt, dr.Token = randomSymbols(rnd, caseIDLen), NewReceiptCode(rnd), NewReceiptCode(rnd)
	}
}

// reportFlow is the intake form, in the dialog window:
// intro → what → pattern → wants → confirm. Each submit answers the
// invoke with the next step's card (ShowDialog); Back and Cancel work in
// the window; nothing is posted in the chat.
type reportFlow struct{ e *Engine }

func (*reportFlow) Name() string { return reportDialog }

// Version 2: the form moved from the chat's stack into the dialog window.
func (*reportFlow) Version() int { return 2 }

func (d *reportFlow) show(t *Turn, c Card) { t.Emit(ReportDialog(c)) }

func (d *reportFlow) Begin(t *Turn, f *Frame, _ string) Status {
	f.Step = "intro"
	SetFrameData(f, reportDraft{})
	d.show(t, d.card(t, f, reportDraft{}))
	return Waiting
}

func (d *reportFlow) Continue(t *Turn, f *Frame) Status {
	dr := FrameData[reportDraft](f)
	switch t.Verb() {
	case verbRCancel:
		t.Emit(CloseDialog{Msg: M("report.cancelled")})
		return Done
	case verbRBack:
		if f.Step == "confirm" {
			f.Step = "what"
		} else {
			f.Step = prevStep(f.Step)
		}
	case verbRSubmit:
		return d.submit(t, f, dr)
	case verbRNext:
		if !d.take(t, f, &dr) {
			return Waiting
		}
	default:
		// A stray value: show the step again.
		d.show(t, d.card(t, f, dr))
		return Waiting
	}
	SetFrameData(f, dr)
	d.show(t, d.card(t, f, dr))
	return Waiting
}

// prevStep is the step before s (Back inside the form).
func prevStep(s string) string {
	switch s {
	case "pattern":
		return "what"
	case "wants":
		return "pattern"
	}
	return "intro"
}

// submit is the confirmation step's Send: it files the report and ends the
// form in the same step (the draft leaves the state with it). It is kept
// apart so the confirmation's choices can grow without touching the rest
// of the form.
func (d *reportFlow) submit(t *Turn, f *Frame, dr reportDraft) Status {
	if f.Step != "confirm" || dr.A.What == "" {
		d.show(t, d.card(t, f, dr))
		return Waiting
	}
	dr.draw(t.In.Rand)
	t.Emit(FileReport{
		CaseID:  dr.CaseID,
		Receipt: dr.Receipt,
		Date:    ReportDate(t.In.Now),
		Answers: dr.A,
		Notify:  dr.Notify,
		Token:   dr.Token,
		Now:     t.In.Values["now"] == "true",
	})
	return Done
}

// take stores the submitted step's answers and moves on. It returns false
// when the step must be answered again (it has replied).
func (d *reportFlow) take(t *Turn, f *Frame, dr *reportDraft) bool {
	v := t.In.Values
	switch f.Step {
	case "intro":
		f.Step = "what"
		return true
	case "what":
		if w := cleanReportText(v["what"]); w != "" {
			dr.A.What = w
		}
		if dr.A.What == "" {
			d.show(t, notice("report.what.empty", d.card(t, f, *dr)))
			return false
		}
		dr.A.When = pick("when", v["when"], dr.A.When)
		dr.A.Where = pick("where", v["where"], dr.A.Where)
		f.Step = "pattern"
	case "pattern":
		dr.A.Often = pick("often", v["often"], dr.A.Often)
		dr.A.Duration = pick("duration", v["duration"], dr.A.Duration)
		dr.A.Grave = pick("grave", v["grave"], dr.A.Grave)
		dr.A.Affect = pick("affect", v["affect"], dr.A.Affect)
		dr.A.Who = pick("who", v["who"], dr.A.Who)
		f.Step = "wants"
	case "wants":
		dr.A.Wants = nil
		for _, w := range strings.Split(v["wants"], ",") {
			if w = strings.TrimSpace(w); slices.Contains(reportOptions["wants"], w) && !slices.Contains(dr.A.Wants, w) {
				dr.A.Wants = append(dr.A.Wants, w)
			}
		}
		dr.Notify = v["notify"] == "true"
		dr.draw(t.In.Rand)
		f.Step = "confirm"
	default:
		return true
	}
	return true
}

// pick keeps a valid choice, else the previous answer (garbage is ignored).
func pick(field, value, old string) string {
	if slices.Contains(reportOptions[field], value) {
		return value
	}
	return old
}

// cleanReportText trims and bounds free text.
func cleanReportText(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > MaxReportText {
		s = string([]rune(s)[:MaxReportText])
	}
	return s
}

func choiceBlock(field, current string) Block {
	var cs []Choice
	for _, v := range reportOptions[field] {
		cs = append(cs, Choice{Value: v, Label: M("report.opt." + field + "." + v)})
	}
	return Block{Kind: BlockChoice, ID: field, Msg: M("report.q." + field), Choices: cs, Text: current, Multi: field == "wants"}
}

// card is the step's card; the confirmation step also says when the unit
// will see the report and offers to send it at once.
func (d *reportFlow) card(t *Turn, f *Frame, dr reportDraft) Card {
	c := d.stepCard(f, dr)
	if f.Step == "confirm" {
		c = WithReleaseChoice(c, d.e.release.Next(t.In.Now))
	}
	return c
}

func (d *reportFlow) stepCard(f *Frame, dr reportDraft) Card {
	next := func(label string) Action {
		return Action{Label: M(label), Data: Tagged(f, Submit(verbRNext, "")), Primary: true}
	}
	cancel := Action{Label: M("report.cancel"), Data: Tagged(f, Submit(verbRCancel, ""))}
	back := Action{Label: M("report.dialog.back"), Data: Tagged(f, Submit(verbRBack, ""))}
	switch f.Step {
	case "what":
		blocks := []Block{
			{Kind: BlockHeading, Msg: M("report.what.title")},
			{Kind: BlockSubtle, Msg: Msg{ID: "report.progress", Data: map[string]any{"N": 1, "Of": 4}}},
			{Kind: BlockText, Msg: M("report.what.text")},
			{Kind: BlockInput, ID: "what", Msg: M("report.q.what"), Multiline: true, MaxLen: MaxReportText},
		}
		if dr.A.What != "" {
			blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("report.what.keep")})
		}
		blocks = append(blocks, choiceBlock("when", dr.A.When), choiceBlock("where", dr.A.Where))
		return Card{Name: "report-what", Blocks: blocks, Actions: []Action{next("report.next"), back, cancel}}
	case "pattern":
		return Card{Name: "report-pattern", Blocks: []Block{
			{Kind: BlockHeading, Msg: M("report.pattern.title")},
			{Kind: BlockSubtle, Msg: Msg{ID: "report.progress", Data: map[string]any{"N": 2, "Of": 4}}},
			{Kind: BlockText, Msg: M("report.pattern.text")},
			choiceBlock("often", dr.A.Often),
			choiceBlock("duration", dr.A.Duration),
			choiceBlock("grave", dr.A.Grave),
			{Kind: BlockText, Msg: M("report.affect.text")},
			choiceBlock("affect", dr.A.Affect),
			choiceBlock("who", dr.A.Who),
		}, Actions: []Action{next("report.next"), back, cancel}}
	case "wants":
		return Card{Name: "report-wants", Blocks: []Block{
			{Kind: BlockHeading, Msg: M("report.wants.title")},
			{Kind: BlockSubtle, Msg: Msg{ID: "report.progress", Data: map[string]any{"N": 3, "Of": 4}}},
			{Kind: BlockText, Msg: M("report.wants.text")},
			choiceBlock("wants", strings.Join(dr.A.Wants, ",")),
			{Kind: BlockText, Msg: M("report.notify.text")},
			{Kind: BlockToggle, ID: "notify", Msg: M("report.notify.label"), Checked: dr.Notify},
		}, Actions: []Action{next("report.next"), back, cancel}}
	case "confirm":
		return confirmCard(f, dr, cancel)
	}
	return Card{Name: "report-intro", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("report.intro.title")},
		{Kind: BlockText, Msg: M("report.intro.text")},
		{Kind: BlockText, Msg: M("report.intro.stored")},
		{Kind: BlockSubtle, Msg: M("report.intro.before")},
	}, Actions: []Action{next("report.start"), cancel}}
}

// confirmCard is the last step: the answers (the free text only counted,
// never echoed), and Send. Send files the report (reportFlow.submit).
func confirmCard(f *Frame, dr reportDraft, cancel Action) Card {
	return Card{Name: "report-confirm", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("report.confirm.title")},
		{Kind: BlockSubtle, Msg: Msg{ID: "report.progress", Data: map[string]any{"N": 4, "Of": 4}}},
		{Kind: BlockFacts, Facts: answerFacts(dr.A, dr.Notify, false)},
		{Kind: BlockText, Msg: M("report.confirm.text")},
	}, Actions: []Action{
		{Label: M("report.send"), Data: Tagged(f, Submit(verbRSubmit, "")), Primary: true},
		{Label: M("report.edit"), Data: Tagged(f, Submit(verbRBack, ""))},
		cancel,
	}}
}

// answerFacts lists the answers. The free text is shown only to handlers
// (withText); the reporter's own summary says that it was written, never
// echoing it back into the chat.
func answerFacts(a ReportAnswers, notify, withText bool) []Fact {
	opt := func(field, v string) Msg {
		if v == "" {
			return M("report.sum.none")
		}
		return M("report.opt." + field + "." + v)
	}
	var facts []Fact
	if !withText {
		facts = append(facts, Fact{Label: M("report.sum.what"), Value: Msg{ID: "report.sum.written", Data: map[string]any{"N": utf8.RuneCountInString(a.What)}}})
	}
	facts = append(facts,
		Fact{Label: M("report.sum.when"), Value: opt("when", a.When)},
		Fact{Label: M("report.sum.where"), Value: opt("where", a.Where)},
		Fact{Label: M("report.sum.often"), Value: opt("often", a.Often)},
		Fact{Label: M("report.sum.duration"), Value: opt("duration", a.Duration)},
		Fact{Label: M("report.sum.grave"), Value: opt("grave", a.Grave)},
		Fact{Label: M("report.sum.affect"), Value: opt("affect", a.Affect)},
		Fact{Label: M("report.sum.who"), Value: opt("who", a.Who)},
	)
	// The reporter reads "You would like"; the unit "The reporter wishes".
	wantsLabel := "report.sum.wants"
	if withText {
		wantsLabel = "report.case.wants"
	}
	if len(a.Wants) == 0 {
		facts = append(facts, Fact{Label: M(wantsLabel), Value: M("report.sum.none")})
	}
	for i, w := range a.Wants {
		label := M("report.sum.wantsMore")
		if i == 0 {
			label = M(wantsLabel)
		}
		facts = append(facts, Fact{Label: label, Value: opt("wants", w)})
	}
	notifyMsg := M("report.sum.no")
	if notify {
		notifyMsg = M("report.sum.yes")
	}
	return append(facts, Fact{Label: M("report.sum.notify"), Value: notifyMsg})
}

func privateOnlyCard() Card {
	return Card{Name: "report-private", Blocks: []Block{{Kind: BlockText, Msg: M("report.private")}}}
}

// --- Receipt check (reporter, in the dialog window) --------------------------

// closeAction closes the dialog window.
func closeAction() Action {
	return Action{Label: M("report.dialog.close"), Data: Submit(VerbDialogClose, "")}
}

// ReceiptEntryCard asks for a receipt code (in the dialog window, so the
// code is never in the chat); noticeID, when set, says why it is asked again.
func ReceiptEntryCard(noticeID string) Card {
	c := Card{Name: "receipt-enter", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("report.receipt.title")},
		{Kind: BlockText, Msg: M("report.receipt.text")},
		{Kind: BlockInput, ID: "code", Msg: M("report.receipt.label"), MaxLen: 40},
	}, Actions: []Action{
		{Label: M("report.receipt.check"), Data: Submit(VerbReceiptCheck, ""), Primary: true},
		closeAction(),
	}}
	if noticeID != "" {
		c = notice(noticeID, c)
	}
	return c
}

// receiptCheckView checks the code typed in the dialog; the effect answers
// CheckReceipt with ReceiptDialog(ReceiptStatusCard) or a refusal.
func (e *Engine) receiptCheckView(t *Turn, _ string) {
	code, ok := ParseReceipt(t.In.Values["code"])
	if !ok {
		t.Emit(ReceiptDialog(ReceiptEntryCard("report.receipt.malformed")))
		return
	}
	t.Emit(CheckReceipt{Code: code})
}

// reporterSendView sends what the reporter wrote in the case view.
func (e *Engine) reporterSendView(t *Turn, token string) {
	if token == "" {
		t.Emit(CloseDialog{Msg: M("report.receipt.expired")})
		return
	}
	text := cleanReportText(t.In.Values["msg"])
	if text == "" {
		t.Emit(CloseDialog{Msg: M("report.status.empty")})
		return
	}
	t.Emit(ReporterMessage{Token: token, Text: text, Date: ReportDate(t.In.Now), Now: t.In.Values["now"] == "true"})
}

// hideView replaces a receipt or status card with a neutral text. It
// works only in the user's own 1:1 chat (the update goes to the turn's
// conversation): a hide submitted anywhere else, e.g. forged in the
// inbox channel against a case card, is refused.
func (e *Engine) hideView(t *Turn, arg string) {
	if t.In.Scope != ScopePersonal {
		t.Reply(notice("core.unknownAction", Card{Name: "hide-refused"}))
		return
	}
	id := "report.receipt.hidden"
	if arg == "status" {
		id = "report.status.cleared"
	}
	if t.In.ReplyToID == "" {
		t.Reply(e.menuCard(t))
		return
	}
	clearCard(t, id)
}

// clearCard replaces the clicked chat card with a neutral line.
func clearCard(t *Turn, msgID string) {
	if t.In.ReplyToID != "" {
		t.Emit(Update{ActivityID: t.In.ReplyToID, Card: Card{Name: "report-cleared", Blocks: []Block{{Kind: BlockSubtle, Msg: M(msgID)}}}})
	}
}

// --- The unit's inbox (handlers, in their channel) ---------------------------

func refusedCard() Card {
	return Card{Name: "inbox-refused", Blocks: []Block{{Kind: BlockText, Msg: M("report.inbox.refused")}}}
}

func (e *Engine) inboxView(t *Turn, _ string) {
	if !t.IsHandler() {
		t.Reply(refusedCard())
		return
	}
	if t.In.Scope != ScopeChannel {
		t.Reply(Card{Name: "inbox-channel-only", Blocks: []Block{{Kind: BlockText, Msg: M("report.inbox.channelOnly")}}})
		return
	}
	t.Emit(RegisterInbox{})
}

func (e *Engine) caseActionView(op string) func(*Turn, string) {
	return func(t *Turn, id string) {
		// Every handler action is checked here, server-side, on every click.
		if !t.IsHandler() {
			t.Reply(refusedCard())
			return
		}
		if t.In.Scope != ScopeChannel {
			t.Reply(InboxOnlyCard()) // e.g. a handler's private chat: nothing of the case there
			return
		}
		if !ValidCaseID(id) {
			t.Reply(notice("core.unknownAction", Card{Name: "inbox-unknown"}))
			return
		}
		a := CaseAction{CaseID: id, Op: op, Date: ReportDate(t.In.Now), ActivityID: t.In.ReplyToID}
		switch op {
		case VerbCaseStatus:
			a.Status = t.In.Values["status"]
			if !slices.Contains(CaseStatuses, a.Status) {
				t.Reply(Card{Name: "inbox-nostatus", Blocks: []Block{{Kind: BlockText, Msg: M("report.inbox.noStatus")}}})
				return
			}
		case VerbCaseReply, VerbCaseNote:
			field := "reply"
			if op == VerbCaseNote {
				field = "note"
			}
			if a.Text = cleanReportText(t.In.Values[field]); a.Text == "" {
				t.Reply(Card{Name: "inbox-notext", Blocks: []Block{{Kind: BlockText, Msg: M("report.inbox.noText")}}})
				return
			}
		}
		t.Emit(a)
	}
}

// --- Cards built from stored cases (used by the bot's report effect) --------

// CaseMsg is one message in a case: from the unit (a reply to the
// reporter) or from the reporter (an answer or more information).
type CaseMsg struct {
	FromUnit bool   `json:"u,omitempty"`
	Date     string `json:"d"`
	Text     string `json:"t"`
	By       string `json:"b,omitempty"` // the handler's display name (unit messages only)
}

// CaseNote is a handler's internal note, never shown to the reporter.
type CaseNote struct {
	Date string `json:"d"`
	Text string `json:"t"`
	By   string `json:"b,omitempty"`
}

// CaseView is a case as the cards show it.
type CaseView struct {
	ID          string
	Filed       string
	Status      string
	AckDue      string
	FeedbackDue string
	Answers     ReportAnswers
	ClaimedBy   string
	Msgs        []CaseMsg
	Notes       []CaseNote
	Notify      bool
}

func statusMsg(s string) Msg {
	if !slices.Contains(CaseStatuses, s) {
		s = StatusNew
	}
	return M("report.status." + s)
}

func raw(s string) Msg { return Msg{ID: "report.raw", Data: map[string]any{"Text": s}} }

// ReceiptCard is what the reporter gets after sending, in the dialog
// window only: the receipt code, grouped, and what happens next.
func ReceiptCard(caseID, code string, notify bool) Card {
	next := "report.done.next"
	if notify {
		next = "report.done.nextNotify"
	}
	return Card{Name: "report-receipt", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("report.done.title")},
		{Kind: BlockText, Msg: Msg{ID: "report.done.text", Data: map[string]any{"No": CaseNo(caseID)}}},
		{Kind: BlockText, Msg: M("report.done.code")},
		{Kind: BlockRaw, Text: FormatReceipt(code)},
		{Kind: BlockSubtle, Msg: M("report.done.keep")},
		{Kind: BlockText, Msg: M(next)},
	}, Actions: []Action{
		{Label: M("report.dialog.done"), Data: Submit(VerbDialogClose, ""), Primary: true},
	}}
}

// ReceiptStatusCard shows the reporter their case after a receipt check, in
// the dialog window only: status, dates, the unit's replies (inert plain
// text), and a field to write to the unit. The reporter's own
// texts are not echoed back; token is the sealed session the answer uses.
func ReceiptStatusCard(v CaseView, token string) Card {
	blocks := []Block{
		{Kind: BlockHeading, Msg: Msg{ID: "report.status.title", Data: map[string]any{"No": CaseNo(v.ID)}}},
		{Kind: BlockFacts, Facts: []Fact{
			{Label: M("report.status.filed"), Raw: v.Filed},
			{Label: M("report.status.label"), Value: statusMsg(v.Status)},
		}},
	}
	if len(v.Msgs) == 0 {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("report.status.noReplies")})
	}
	for _, m := range v.Msgs {
		if m.FromUnit {
			blocks = append(blocks, Block{Kind: BlockSubtle, Msg: Msg{ID: "report.status.fromUnit", Data: map[string]any{"Date": m.Date}}},
				Block{Kind: BlockPlain, Text: m.Text})
		} else {
			blocks = append(blocks, Block{Kind: BlockSubtle, Msg: Msg{ID: "report.status.fromYou", Data: map[string]any{"Date": m.Date}}})
		}
	}
	var actions []Action
	if v.Status != StatusClosed {
		blocks = append(blocks, Block{Kind: BlockInput, ID: "msg", Msg: M("report.status.answer"), Multiline: true, MaxLen: MaxReportText, Required: true})
		actions = append(actions, Action{Label: M("report.status.send"), Data: Submit(VerbReceiptMessage, token), Primary: true})
	} else {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("report.status.closedText")})
	}
	actions = append(actions, closeAction())
	return Card{Name: "receipt-status", Blocks: blocks, Actions: actions}
}

// ReportNotice is a one-line card (limits, confirmations, expiry).
func ReportNotice(name, msgID string) Card {
	c := Card{Name: name, Blocks: []Block{{Kind: BlockText, Msg: M(msgID)}}}
	if name == "receipt-notfound" || name == "receipt-expired" {
		c.Actions = []Action{{Label: M("report.receipt.again"), Data: Submit(VerbReceipt, ""), Primary: true}}
	}
	return c
}

// NotifyCard tells an opted-in reporter, in the chat, that there is
// something new under "My receipt": neutral (no case number, no word of
// what), and its button opens the receipt in the dialog window.
func NotifyCard() Card {
	return Card{Name: "report-notify", Blocks: []Block{
		{Kind: BlockText, Msg: M("report.notify.answered")},
	}, Actions: []Action{{Label: M("report.notify.open"), Data: Submit(VerbReceipt, ""), Dialog: true, Primary: true}}}
}

// InboxCard is a case as the unit's handlers see it in their channel,
// with the actions they can take.
func InboxCard(v CaseView) Card {
	claimed := M("report.case.unclaimed")
	if v.ClaimedBy != "" {
		claimed = raw(v.ClaimedBy)
	}
	notify := M("report.sum.no")
	if v.Notify {
		notify = M("report.sum.yes")
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: Msg{ID: "report.case.title", Data: map[string]any{"No": CaseNo(v.ID)}}},
		{Kind: BlockFacts, Facts: []Fact{
			{Label: M("report.case.filed"), Raw: v.Filed},
			{Label: M("report.status.label"), Value: statusMsg(v.Status)},
			{Label: M("report.case.ackDue"), Raw: v.AckDue},
			{Label: M("report.case.feedbackDue"), Raw: v.FeedbackDue},
			{Label: M("report.case.claimed"), Value: claimed},
			{Label: M("report.case.notify"), Value: notify},
		}},
		{Kind: BlockText, Msg: M("report.case.what")},
		{Kind: BlockPlain, Text: v.Answers.What},
		{Kind: BlockFacts, Facts: answerFacts(v.Answers, v.Notify, true)},
	}
	for _, m := range v.Msgs {
		id, data := "report.case.fromReporter", map[string]any{"Date": m.Date}
		if m.FromUnit {
			id, data["By"] = "report.case.fromUnit", m.By
		}
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: Msg{ID: id, Data: data}}, Block{Kind: BlockPlain, Text: m.Text})
	}
	for _, n := range v.Notes {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: Msg{ID: "report.case.note", Data: map[string]any{"Date": n.Date, "By": n.By}}},
			Block{Kind: BlockPlain, Text: n.Text})
	}
	var statuses []Choice
	for _, s := range CaseStatuses {
		statuses = append(statuses, Choice{Value: s, Label: statusMsg(s)})
	}
	blocks = append(blocks,
		Block{Kind: BlockChoice, ID: "status", Msg: M("report.case.setStatus"), Choices: statuses, Text: v.Status},
		Block{Kind: BlockActions, Actions: []Action{{Label: M("report.case.saveStatus"), Data: Submit(VerbCaseStatus, v.ID)}}},
		Block{Kind: BlockInput, ID: "reply", Msg: M("report.case.reply"), Multiline: true, MaxLen: MaxReportText},
		Block{Kind: BlockActions, Actions: []Action{{Label: M("report.case.sendReply"), Data: Submit(VerbCaseReply, v.ID)}}},
		Block{Kind: BlockInput, ID: "note", Msg: M("report.case.noteLabel"), Multiline: true, MaxLen: MaxReportText},
		Block{Kind: BlockActions, Actions: []Action{{Label: M("report.case.addNote"), Data: Submit(VerbCaseNote, v.ID)}}},
	)
	var actions []Action
	if v.ClaimedBy == "" {
		actions = append(actions, Action{Label: M("report.case.claim"), Data: Submit(VerbCaseClaim, v.ID), Primary: true})
	}
	return Card{Name: "inbox-case", Blocks: blocks, Actions: actions}
}

// InboxEventCard is a short message in a case's thread in the inbox
// (the reporter added information; a deadline is near).
func InboxEventCard(name, msgID string, v CaseView) Card {
	return Card{Name: name, Blocks: []Block{{Kind: BlockText, Msg: Msg{ID: msgID, Data: map[string]any{
		"No": CaseNo(v.ID), "AckDue": v.AckDue, "FeedbackDue": v.FeedbackDue,
	}}}}}
}
