package dialogs

// Teams dialogs (task modules) for the reporter's side of anonymous
// reporting (issue 12 A).
//
// Teams keeps every chat message, and every earlier version of a card the
// bot updates, for the tenant's administrators. So nothing of a case goes
// into the reporter's chat: the form, the receipt code, the case number,
// the case view and the messages to and from the unit live in a dialog
// window. A button with Action.Dialog set opens it (Teams sends an invoke
// task/fetch); each Submit inside it is an invoke task/submit; both are
// answered in the HTTP body with the next card (ShowDialog) or a short
// closing message (CloseDialog). The chat itself only ever shows the
// launcher card and neutral notices.
//
// The form's draft is kept in State.Form, apart from the chat's stack:
// closing the window, or chatting meanwhile, disturbs neither, and opening
// the form again continues the draft.

// ShowDialog answers a dialog invoke with a card in the dialog window.
type ShowDialog struct {
	Title Msg
	Card  Card
	// Large asks for a large window (the form); otherwise a medium one.
	Large bool
}

// CloseDialog answers a dialog invoke with a short message Teams shows in
// the window (or, with Msg empty, closes it without a word).
type CloseDialog struct{ Msg Msg }

func (ShowDialog) IsOutput()  {}
func (CloseDialog) IsOutput() {}

// VerbDialogClose closes the dialog window (a "Close" button inside it).
const VerbDialogClose = "dialog-close"

// ReportDialog shows a card of the report form (its steps, the receipt
// after filing, a refusal) in the dialog window.
func ReportDialog(c Card) ShowDialog {
	return ShowDialog{Title: M("report.dialog.title"), Card: c, Large: true}
}

// ReceiptDialog shows a card of "My receipt" (the case view, a refusal) in
// the dialog window.
func ReceiptDialog(c Card) ShowDialog {
	return ShowDialog{Title: M("report.receipt.title"), Card: c, Large: true}
}

// dialogTurn routes a dialog invoke: the form, the receipt and the case
// view. Nothing here replies to the chat.
func (e *Engine) dialogTurn(t *Turn) {
	if t.In.Scope != ScopePersonal {
		t.Emit(CloseDialog{Msg: M("report.private")})
		return
	}
	if f := t.st.Form; f != nil {
		if d, ok := e.dialogs[f.Dialog]; !ok || d.Version() != f.Version {
			t.st.Form = nil // a draft of an older form: start afresh
		}
	}
	verb, form := t.Verb(), t.st.Form
	switch {
	case verb == VerbDialogClose:
		t.Emit(CloseDialog{})
	case verb == VerbReport:
		e.openReportForm(t)
	case form != nil && verb != "" && form.Tag != "" && t.In.Values[KeyTag] == form.Tag:
		t.In = frameVerb(t.In, form.Dialog) // a window opened before the form's verbs were renamed
		if e.dialogs[form.Dialog].Continue(t, form) == Done {
			t.st.Form = nil
		}
	case t.In.Values[KeyTag] != "":
		// A window of a form that has since been sent or cancelled.
		t.Emit(CloseDialog{Msg: M("report.dialog.stale")})
	default:
		if view, ok := e.windowViews[verb]; ok {
			view(t, t.Arg())
			return
		}
		t.Emit(CloseDialog{Msg: M("report.dialog.unknown")})
	}
}

// registerDialogWindow registers the stateless screens of the Teams
// dialog window: "My receipt", a code checked there, and the reporter's
// message on a case. The report form's own verbs go to its frame
// (dialogTurn), and "report" and "dialog-close" are handled there first.
func (e *Engine) registerDialogWindow() {
	e.windowView(VerbReceipt, func(t *Turn, _ string) { t.Emit(ReceiptDialog(ReceiptEntryCard(""))) })
	e.windowView(VerbReceiptCheck, e.receiptCheckView)
	e.windowView(VerbReceiptMessage, e.reporterSendView)
}

// openReportForm starts the form, or continues a draft left open.
func (e *Engine) openReportForm(t *Turn) {
	d := e.dialogs[reportDialog].(*reportFlow)
	if f := t.st.Form; f != nil && f.Dialog == reportDialog && f.Step != "" && f.Step != "intro" {
		dr := FrameData[reportDraft](f)
		t.Emit(ReportDialog(notice("report.dialog.resumed", d.stepCard(f, dr))))
		return
	}
	f := Frame{Dialog: reportDialog, Version: d.Version(), Tag: t.newTag()}
	d.Begin(t, &f, "")
	t.st.Form = &f
}

// launcherView answers "report", "receipt" (typed, or the menu's buttons)
// with the launcher: buttons that open the dialog. It carries nothing of a
// case. The menu does not open the dialog itself: a client without dialogs
// does nothing at all on such a button (the Agents Playground throws), so
// the launcher is where the user learns what to do if no window opens.
func (e *Engine) launcherView(t *Turn, _ string) {
	if t.In.Scope != ScopePersonal {
		t.Reply(privateOnlyCard())
		return
	}
	if t.In.NoDialog {
		// A dialog button came back as a message: this client (e.g. the
		// Agents Playground) cannot open dialogs. Say so, keep nothing.
		t.Reply(Card{Name: "report-nodialog", Blocks: []Block{
			{Kind: BlockText, Msg: M("report.dialog.unsupported")},
		}, Actions: []Action{menuAction()}})
		return
	}
	t.Reply(LauncherCard())
}

// LauncherCard is all the reporter's chat ever shows of reporting: two
// buttons that open the dialog window, and what to do if none opens.
func LauncherCard() Card {
	return Card{Name: "report-launcher", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("report.launch.title")},
		{Kind: BlockText, Msg: M("report.launch.text")},
		{Kind: BlockSubtle, Msg: M("report.launch.noWindow")},
	}, Actions: []Action{
		{Label: M("report.launch.report"), Data: Submit(VerbReport, ""), Dialog: true, Primary: true},
		{Label: M("report.launch.receipt"), Data: Submit(VerbReceipt, ""), Dialog: true},
	}}
}
