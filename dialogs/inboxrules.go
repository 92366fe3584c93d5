package dialogs

// Inbox rules (issue 12, D): every case action needs a handler in the
// registered inbox channel, the inbox is a team channel, and moving it to
// another channel takes a handler's confirmation there. The checks that
// need stored state (is this the registered inbox, is the confirmation
// the one asked for) are the bot's report effect's (bot/report); these
// are the ones the turn alone can decide.

// VerbInboxMove confirms moving the inbox to this channel (arg: the nonce
// of the confirmation card the effect posted here).
const VerbInboxMove = "inbox-move"

// ConfirmInboxMove makes this channel the inbox in place of the old one,
// if Nonce is the pending move's (checked by the effect).
type ConfirmInboxMove struct{ Nonce string }

func (ConfirmInboxMove) IsOutput() {}

func (e *Engine) registerInboxRules() {
	e.view(VerbInboxMove, e.inboxMoveView)
}

func (e *Engine) inboxMoveView(t *Turn, nonce string) {
	if !t.IsHandler() {
		t.Reply(refusedCard())
		return
	}
	if t.In.Scope != ScopeChannel || nonce == "" || len(nonce) > 64 {
		t.Reply(InboxOnlyCard())
		return
	}
	t.Emit(ConfirmInboxMove{Nonce: nonce})
}

// InboxOnlyCard refuses a case action outside the unit's inbox channel,
// showing nothing of the case.
func InboxOnlyCard() Card {
	return Card{Name: "inbox-only", Blocks: []Block{{Kind: BlockText, Msg: M("report.rules.inboxOnly")}}}
}

// TeamChannelOnlyCard refuses to make a chat that is not a team channel
// the inbox.
func TeamChannelOnlyCard() Card {
	return Card{Name: "inbox-team-channel-only", Blocks: []Block{{Kind: BlockText, Msg: M("report.rules.teamChannelOnly")}}}
}

// InboxMoveCard asks a handler in the new channel to confirm the move.
func InboxMoveCard(nonce string) Card {
	return Card{Name: "inbox-move", Blocks: []Block{
		{Kind: BlockText, Msg: M("report.rules.moveAsk")},
	}, Actions: []Action{{Label: M("report.rules.moveConfirm"), Data: Submit(VerbInboxMove, nonce), Primary: true}}}
}

// InboxMovedCard is the notice left in the old inbox channel.
func InboxMovedCard(date, by string) Card {
	return Card{Name: "inbox-moved", Blocks: []Block{{Kind: BlockText, Msg: Msg{ID: "report.rules.movedAway", Data: map[string]any{"Date": date, "By": by}}}}}
}
