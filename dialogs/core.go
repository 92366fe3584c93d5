package dialogs

import (
	"github.com/kk/graensen/dialogs/content"
)

// Verbs of the core screens and commands.
const (
	VerbMenu    = "menu"
	VerbHelp    = "help"
	VerbCancel  = "cancel"
	VerbRestart = "restart"
	VerbLang    = "lang" // arg "da", "en" or empty to switch
	VerbRole    = "role" // arg a Role; empty asks again
)

// globalCommand maps typed text to a command verb, in Danish and English.
// It only matches whole, short messages, so a question that happens to
// contain "help" still goes to the free-text matcher. The words are
// content (dialogs/content/commands.toml); feature files may add their own
// (extraCommands).
func (e *Engine) globalCommand(text string) (verb, arg string) {
	s := content.NormCommand(text)
	if v, ok := extraCommands[s]; ok {
		return v, ""
	}
	if c, ok := e.commands[s]; ok {
		return c.Verb, c.Arg
	}
	return "", ""
}

// registerCore registers the global verbs: they act in any dialog, before
// a flow under way sees the click (engine.go, message).
func (e *Engine) registerCore() {
	e.global(VerbMenu, func(t *Turn, arg string) { e.saveChecksOf(t, arg); t.Reply(e.menuCard(t)) })
	e.global(VerbHelp, func(t *Turn, _ string) { t.Reply(helpCard()) })
	e.global(VerbCancel, e.cancel)
	e.global(VerbRestart, e.restart)
	e.global(VerbLang, e.setLang)
	e.global(VerbRole, e.setRole)
}

// welcome greets a new user (or a team) and asks the role once.
func (e *Engine) welcome(t *Turn) {
	if t.In.Scope == ScopeChannel {
		t.Reply(Card{Name: "welcome-channel", Blocks: []Block{
			{Kind: BlockHeading, Msg: M("core.welcome.title")},
			{Kind: BlockText, Msg: M("core.welcome.channel")},
		}, Actions: []Action{{Label: M("core.menu.open"), Data: Submit(VerbMenu, ""), Primary: true}}})
		return
	}
	t.Reply(Card{Name: "welcome", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("core.welcome.title")},
		{Kind: BlockText, Msg: M("core.welcome.text")},
		{Kind: BlockSubtle, Msg: M("core.welcome.privacy")},
	}})
	if t.Profile.Role == RoleUnknown {
		p := t.Profile
		p.Asked = true
		t.SetProfile(p)
		t.Reply(roleCard())
		return
	}
	t.Reply(e.menuCard(t))
}

// roleCard asks the user's role; the answer orders the menu.
func roleCard() Card {
	pick := func(r Role, label string) Action {
		return Action{Label: M(label), Data: Submit(VerbRole, string(r))}
	}
	return Card{Name: "role", Blocks: []Block{
		{Kind: BlockText, Msg: M("core.role.ask")},
		{Kind: BlockSubtle, Msg: M("core.role.why")},
	}, Actions: []Action{
		pick(RoleEmployee, "core.role.employee"),
		pick(RoleManager, "core.role.manager"),
		pick(RoleRep, "core.role.rep"),
		pick(RoleHR, "core.role.hr"),
	}}
}

// setRole saves the picked role, or asks again when the pick is invalid.
func (e *Engine) setRole(t *Turn, arg string) {
	r := Role(arg)
	switch r {
	case RoleEmployee, RoleManager, RoleRep, RoleHR:
	default:
		if arg != "" {
			t.Reply(notice("core.role.retry", roleCard()))
			return
		}
		t.Reply(roleCard())
		return
	}
	p := t.Profile
	p.Role, p.Asked = r, true
	t.SetProfile(p)
	t.Reply(e.menuCard(t))
}

// setLang saves the language choice; an empty arg switches language.
func (e *Engine) setLang(t *Turn, arg string) {
	l := Lang(arg)
	if l != Danish && l != English {
		l = Danish
		if t.Lang == Danish {
			l = English
		}
	}
	p := t.Profile
	p.Lang = l
	t.SetProfile(p)
	t.Lang = l
	if e.reshow(t) {
		return
	}
	t.Reply(notice("core.lang.set", e.menuCard(t)))
}

// cancel ends every active dialog and deletes what they held.
func (e *Engine) cancel(t *Turn, _ string) {
	had := len(t.st.Stack) > 0 || t.st.Form != nil
	t.ClearStack()
	id := "core.cancel.nothing"
	if had {
		id = "core.cancel.done"
	}
	t.Reply(notice(id, e.menuCard(t)))
}

// restart forgets the dialogs and starts over with the welcome.
func (e *Engine) restart(t *Turn, _ string) {
	t.ClearStack()
	e.welcome(t)
}

// notice prefixes a card with one line of text (e.g. "Cancelled.").
func notice(msgID string, c Card) Card {
	c.Blocks = append([]Block{{Kind: BlockText, Msg: M(msgID)}}, c.Blocks...)
	return c
}

// menuCard is the main menu, ordered by role: managers, AMR/TR and HR
// see guidance first, employees the Q&A and reporting first. Everyone can
// reach everything.
func (e *Engine) menuCard(t *Turn) Card {
	qa := []Action{
		{Label: M("core.menu.topics"), Data: Submit(VerbTopics, "")},
		{Label: M("core.menu.reflect"), Data: Submit(VerbReflect, "")},
		{Label: M("core.menu.help"), Data: Submit(VerbTopic, topicGetHelp)},
	}
	guide := []Action{
		{Label: M("core.menu.guides"), Data: Submit(VerbGuides, "")},
	}
	more := []Action{
		{Label: M("core.menu.excuses"), Data: Submit(VerbExcuses, "")},
		{Label: M("core.menu.quiz"), Data: Submit(VerbQuiz, "")},
	}
	var report []Action
	if e.reachable(VerbReport) && e.reachable(VerbReceipt) { // anonymous reporting (report.go)
		report = []Action{
			// Both show the launcher, whose buttons open the dialog window
			// and which says what to do when the client cannot (dialogwin.go).
			{Label: M("report.menu.report"), Data: Submit(VerbReport, "")},
			{Label: M("report.menu.receipt"), Data: Submit(VerbReceipt, "")},
		}
	}
	rows := [][]Action{qa, report, guide}
	switch t.Profile.Role {
	case RoleManager, RoleRep, RoleHR:
		rows = [][]Action{guide, qa, report}
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("core.menu.title")},
		{Kind: BlockText, Msg: M("core.menu.text")},
	}
	for _, row := range append(rows, more) {
		if len(row) > 0 {
			blocks = append(blocks, Block{Kind: BlockActions, Actions: row})
		}
	}
	if started := e.guidesUnderWay(t); len(started) > 0 {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("core.menu.underway")},
			Block{Kind: BlockActions, Actions: started})
	}
	if rem := e.reminderMenu(t); len(rem) > 0 {
		blocks = append(blocks, Block{Kind: BlockActions, Actions: rem})
	}
	blocks = append(blocks, Block{Kind: BlockText, Msg: M("core.menu.free")})
	return Card{Name: "menu", Blocks: blocks, Actions: []Action{
		{Label: M("core.menu.lang"), Data: Submit(VerbLang, "")},
		{Label: M("core.menu.role"), Data: Submit(VerbRole, "")},
	}}
}

// helpCard explains what the bot does and the commands it knows.
func helpCard() Card {
	return Card{Name: "help", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("core.help.title")},
		{Kind: BlockText, Msg: M("core.help.text")},
		{Kind: BlockText, Msg: M("core.help.commands")},
		{Kind: BlockSubtle, Msg: M("core.welcome.privacy")},
	}, Actions: []Action{
		{Label: M("core.menu.open"), Data: Submit(VerbMenu, ""), Primary: true},
		{Label: M("core.menu.help"), Data: Submit(VerbTopic, topicGetHelp)},
	}}
}
