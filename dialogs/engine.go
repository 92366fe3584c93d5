package dialogs

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/kk/graensen/dialogs/content"
)

// Status is what a dialog says after handling an input.
type Status int

// The statuses a dialog step can end in.
const (
	Waiting Status = iota // the frame stays on the stack and waits for more input
	Done                  // the frame is popped
)

// Dialog is a multi-turn flow that lives on the stack. Implementations keep
// their own data in Frame.Data and do no I/O.
type Dialog interface {
	// Name is the dialog's stable name, stored in frames.
	Name() string
	// Version changes when the dialog's steps change incompatibly; a stored
	// frame of another version is dropped gracefully.
	Version() int
	// Begin starts the dialog on a fresh frame.
	Begin(t *Turn, f *Frame, arg string) Status
	// Continue handles an input while the frame is on top of the stack.
	Continue(t *Turn, f *Frame) Status
}

// TextDialog is a Dialog that also wants typed text while it is on top
// (rather than letting text go to the free-text matcher).
type TextDialog interface {
	Dialog
	WantsText(f *Frame) bool
}

// Engine runs turns. It is safe for concurrent use: it holds only
// read-only configuration.
type Engine struct {
	lib     *content.Library
	matcher MatchFunc
	dialogs map[string]Dialog
	// views are stateless screens reachable by verb from any card.
	views map[string]func(t *Turn, arg string)
	// globals act in any dialog, before a flow under way (core.go).
	globals map[string]func(t *Turn, arg string)
	// windowViews are the stateless screens of the Teams dialog window
	// (dialogwin.go).
	windowViews map[string]func(t *Turn, arg string)
	// starts maps a verb to the dialog it begins.
	starts map[string]string
	// SeenMax is how many recent activity ids a conversation remembers.
	seenMax  int
	handlers map[string]bool
	admins   map[string]bool
	release  Release
	// commands maps typed command words to their command (content).
	commands map[string]content.Command
}

// IsHandler reports whether the turn's user is a configured case handler.
func (t *Turn) IsHandler() bool { return t.In.AadID != "" && t.e.handlers[strings.ToLower(t.In.AadID)] }

// IsAdmin reports whether the turn's user is a configured AMK admin.
func (t *Turn) IsAdmin() bool { return t.In.AadID != "" && t.e.admins[strings.ToLower(t.In.AadID)] }

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(strings.ToLower(id)); id != "" {
			m[id] = true
		}
	}
	return m
}

// MatchFunc answers a free-text question (dialogs/match): best is a
// document id ("topic:<id>", "playbook:<id>", "excuse:<id>") when the match
// is confident; otherwise choices holds the likeliest few; both empty when
// nothing fits.
type MatchFunc func(lang, text string) (best string, choices []string)

// Config configures an Engine.
type Config struct {
	Content *content.Library
	Matcher MatchFunc // nil disables free-text questions
	// Handlers are the Entra object ids of the anonymous unit's case
	// handlers; Admins those of AMK's campaign admins. Checked on every
	// action, server-side.
	Handlers, Admins []string
	// Release is when the unit sees new reports and messages (default
	// DefaultRelease).
	Release Release
}

// New builds an Engine with every dialog registered.
func New(cfg Config) *Engine {
	e := &Engine{
		lib:         cfg.Content,
		matcher:     cfg.Matcher,
		dialogs:     map[string]Dialog{},
		views:       map[string]func(*Turn, string){},
		globals:     map[string]func(*Turn, string){},
		windowViews: map[string]func(*Turn, string){},
		starts:      map[string]string{},
		seenMax:     32,
		handlers:    set(cfg.Handlers),
		admins:      set(cfg.Admins),
		release:     cfg.Release,
		commands:    cfg.Content.CommandIndex(),
	}
	// Every feature's dialogs and views, in one place: the handler of a
	// button's verb is registered by one of these (a verb registered
	// twice stops the bot at start).
	e.registerCore()                       // core.go: menu, help, cancel, restart, language, role (in any dialog)
	e.registerQA()                         // qa.go: topics, "read more", excuses
	e.registerSituations()                 // situation.go: described situations, "did this help?", sharing with AMK
	e.registerStats()                      // statistics.go: the statistics card
	e.registerCampaign()                   // campaign.go: AMK's campaigns, mute
	e.registerGuide()                      // guide.go: the manager playbooks
	e.register(quizFlow{}, VerbQuiz)       // quiz.go
	e.register(reflectFlow{}, VerbReflect) // reflect.go: "is this over the line?"
	e.registerReminders()                  // reminder.go
	e.registerReport()                     // report.go, inboxrules.go: anonymous reporting and the inbox
	e.registerDialogWindow()               // dialogwin.go: the Teams dialog window's screens (the form, My receipt)
	return e
}

// register adds a dialog, begun by the given verbs. A dialog name or a
// verb registered twice is a programming error: it panics at start.
func (e *Engine) register(d Dialog, verbs ...string) {
	if _, dup := e.dialogs[d.Name()]; dup {
		panic("dialogs: dialog " + d.Name() + " registered twice")
	}
	e.dialogs[d.Name()] = d
	for _, v := range verbs {
		e.claim(v)
		e.starts[v] = d.Name()
	}
}

// view adds a stateless screen reached by verb from any card.
func (e *Engine) view(verb string, fn func(t *Turn, arg string)) {
	e.claim(verb)
	e.views[verb] = fn
}

// global adds a verb that acts in any dialog, before a flow under way.
func (e *Engine) global(verb string, fn func(t *Turn, arg string)) {
	e.claim(verb)
	e.globals[verb] = fn
}

// windowView adds a stateless screen of the Teams dialog window, reached
// by verb from a card shown there. The window has verbs of its own (a
// verb may also name a chat view, e.g. "receipt"), each registered once.
func (e *Engine) windowView(verb string, fn func(t *Turn, arg string)) {
	if _, dup := e.windowViews[verb]; dup {
		panic("dialogs: dialog window verb " + verb + " registered twice")
	}
	if now, old := legacyVerbs[verb]; old {
		panic("dialogs: verb " + verb + " is the earlier name of " + now)
	}
	e.windowViews[verb] = fn
}

// claim panics when a verb already has a handler (a dialog or a view), or
// is an earlier name of another verb (legacyverbs.go).
func (e *Engine) claim(verb string) {
	if now, old := legacyVerbs[verb]; old {
		panic("dialogs: verb " + verb + " is the earlier name of " + now)
	}
	if _, dup := e.starts[verb]; dup {
		panic("dialogs: verb " + verb + " registered twice")
	}
	if _, dup := e.views[verb]; dup {
		panic("dialogs: verb " + verb + " registered twice")
	}
	if _, dup := e.globals[verb]; dup {
		panic("dialogs: verb " + verb + " registered twice")
	}
}

// Result is the outcome of one turn.
type Result struct {
	State   State
	Profile Profile
	// ProfileChanged is true when Profile must be saved.
	ProfileChanged bool
	// Lang is the language the outputs are to be rendered in.
	Lang    Lang
	Outputs []Output
	// Duplicate is true when the activity was handled before: the caller
	// saves nothing and sends nothing.
	Duplicate bool
	// Counts are the use counters of the turn (CountUse outputs, taken out
	// of Outputs): the caller counts them once the turn is committed.
	Counts []CountUse
}

// Turn is the context of one step, handed to dialogs and views.
type Turn struct {
	In      Input
	Lang    Lang
	Profile Profile
	e       *Engine
	st      *State
	out     []Output
	pchg    bool
	here    string // the playbook step shown by the previous turn (State.Here)
	ask     string // the question the previous turn could not answer (State.Ask)
}

// Reply queues a card to send.
func (t *Turn) Reply(c Card) { t.out = append(t.out, Reply{Card: c}) }

// Emit queues any output.
func (t *Turn) Emit(o Output) { t.out = append(t.out, o) }

// SetProfile replaces the profile and marks it for saving.
func (t *Turn) SetProfile(p Profile) { t.Profile = p; t.pchg = true }

// Lib is the content library.
func (t *Turn) Lib() *content.Library { return t.e.lib }

// Verb is the submitted action, if the input is a card submit.
func (t *Turn) Verb() string { return t.In.Values[KeyAction] }

// Arg is the submitted action's argument.
func (t *Turn) Arg() string { return t.In.Values[KeyArg] }

// Step runs one turn: state and profile as loaded, the input, and returns
// the new state, profile and outputs. It never fails: every input gets an
// answer, unknown ones a kind "I did not understand" and the menu.
func (e *Engine) Step(st State, p Profile, in Input) Result {
	if in.ActivityID != "" && slices.Contains(st.Seen, in.ActivityID) {
		return Result{State: st, Profile: p, Duplicate: true}
	}
	st = cloneState(st)
	in = currentVerb(in) // a card sent before a verb was renamed
	if in.ActivityID != "" {
		st.Seen = append(st.Seen, in.ActivityID)
		if len(st.Seen) > e.seenMax {
			st.Seen = st.Seen[len(st.Seen)-e.seenMax:]
		}
	}
	if p.Guides != nil {
		p.Guides = cloneGuides(p.Guides)
	}
	t := &Turn{In: in, Profile: p, e: e, st: &st, here: st.Here, ask: st.Ask}
	st.Here, st.Ask = "", "" // set again by a turn that shows a step or misses a question
	t.Lang = ResolveLang(p.Lang, in.Locale)
	before := p // for the use counters (statistics.go): guides are changed in place
	before.Guides = cloneGuides(p.Guides)

	switch in.Kind {
	case KindInstall:
		if !st.Welcomed {
			st.Stack, st.Welcomed = nil, true
			e.welcome(t)
		}
	case KindUninstall:
		st.Stack, st.Form, st.Welcomed = nil, nil, false
		// Reminders die with the profile: nothing is left scheduled for a
		// user the bot can no longer reach.
		for _, r := range p.Reminders {
			t.Emit(CancelReminder{ID: r.ID})
		}
		t.Profile = Profile{}
		t.pchg = true
		t.Emit(Forget{})
	default:
		if in.Dialog {
			e.dialogTurn(t)
			break
		}
		e.message(t)
		e.countUse(t, before)
	}
	t.Lang = ResolveLang(t.Profile.Lang, in.Locale)
	outs, counts := splitCounts(t.out)
	return Result{State: st, Profile: t.Profile, ProfileChanged: t.pchg, Lang: t.Lang, Outputs: outs, Counts: counts}
}

// message routes a typed message or a card submit.
func (e *Engine) message(t *Turn) {
	verb, arg := t.Verb(), t.Arg()
	if verb == "" && len(t.In.Values) == 0 {
		verb, arg = e.globalCommand(t.In.Text)
	}
	if e.dropStaleVersion(t) {
		return
	}
	if g, ok := e.globals[verb]; ok {
		g(t, arg)
		return
	}
	top := t.top()
	if top != nil && verb != "" && t.In.Values[KeyTag] == top.Tag && top.Tag != "" {
		e.continueTop(t)
		return
	}
	if verb != "" && t.In.Values[KeyTag] != "" {
		// A button of a flow that is no longer active.
		t.Reply(notice("core.stale", e.menuCard(t)))
		return
	}
	if view, ok := e.views[verb]; ok {
		view(t, arg)
		return
	}
	if name, ok := e.starts[verb]; ok {
		e.Begin(t, name, arg)
		return
	}
	if verb != "" || len(t.In.Values) > 0 {
		t.Reply(notice("core.unknownAction", e.menuCard(t)))
		return
	}
	if top != nil {
		if td, ok := e.dialogs[top.Dialog].(TextDialog); ok && td.WantsText(top) {
			e.continueTop(t)
			return
		}
	}
	e.freeText(t)
}

// Begin pushes a new frame for the named dialog and starts it.
func (e *Engine) Begin(t *Turn, name, arg string) {
	d := e.dialogs[name]
	f := Frame{Dialog: name, Version: d.Version(), Tag: t.newTag()}
	t.st.Stack = append(t.st.Stack, f)
	fp := &t.st.Stack[len(t.st.Stack)-1]
	if d.Begin(t, fp, arg) == Done {
		t.pop(fp)
	}
}

func (e *Engine) continueTop(t *Turn) {
	fp := &t.st.Stack[len(t.st.Stack)-1]
	t.In = frameVerb(t.In, fp.Dialog) // a card sent before the flow's verbs were renamed
	if e.dialogs[fp.Dialog].Continue(t, fp) == Done {
		t.pop(fp)
	}
}

// pop removes the frame f if it is still on top (a dialog may have
// replaced the stack, e.g. by starting another dialog).
func (t *Turn) pop(f *Frame) {
	n := len(t.st.Stack)
	if n > 0 && &t.st.Stack[n-1] == f {
		t.st.Stack = t.st.Stack[:n-1]
	}
}

func (t *Turn) top() *Frame {
	if n := len(t.st.Stack); n > 0 {
		return &t.st.Stack[n-1]
	}
	return nil
}

// ClearStack ends every active dialog, deleting what they held (a report
// draft included).
func (t *Turn) ClearStack() { t.st.Stack, t.st.Form = nil, nil }

// dropStaleVersion resets the top frame when its dialog changed since it
// was stored (or no longer exists), and tells the user kindly.
func (e *Engine) dropStaleVersion(t *Turn) bool {
	top := t.top()
	if top == nil {
		return false
	}
	d, ok := e.dialogs[top.Dialog]
	if ok && d.Version() == top.Version {
		return false
	}
	t.st.Stack = nil
	t.Reply(notice("core.updated", e.menuCard(t)))
	return true
}

// newTag is a short random tag for a frame's cards.
func (t *Turn) newTag() string {
	if t.In.Rand == nil {
		return "x"
	}
	return base64.RawURLEncoding.EncodeToString(t.In.Rand(6))
}

// FrameData decodes a frame's data into v (zero value when empty or corrupt).
func FrameData[T any](f *Frame) T {
	var v T
	if len(f.Data) > 0 {
		_ = json.Unmarshal(f.Data, &v) // corrupt data restarts the dialog's data
	}
	return v
}

// SetFrameData encodes v into the frame.
func SetFrameData(f *Frame, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("dialogs: frame data must encode: " + err.Error()) // programmer error
	}
	f.Data = b
}

// Tagged adds the frame's tag to action data, so the click routes back to it.
func Tagged(f *Frame, data map[string]string) map[string]string {
	data[KeyTag] = f.Tag
	return data
}

// ResolveLang picks the user's saved choice, else the client's locale.
func ResolveLang(saved Lang, locale string) Lang {
	if saved == Danish || saved == English {
		return saved
	}
	return LangOf(locale)
}

// LangOf is the language a client locale asks for: Danish for any "da"
// locale (da, da-DK, DA-dk), English for everything else. It is the one
// locale → language rule of the bot.
func LangOf(locale string) Lang {
	if len(locale) >= 2 && strings.EqualFold(locale[:2], "da") {
		return Danish
	}
	return English
}

func cloneState(s State) State {
	c := State{Stack: slices.Clone(s.Stack), Seen: slices.Clone(s.Seen), Welcomed: s.Welcomed, Here: s.Here, Ask: s.Ask}
	if s.Form != nil {
		f := *s.Form
		c.Form = &f
	}
	return c
}

func cloneGuides(g map[string]*GuideProgress) map[string]*GuideProgress {
	out := make(map[string]*GuideProgress, len(g))
	for k, v := range g {
		if v == nil { // a corrupt profile ({"g":{"x":null}}) must not panic every turn
			continue
		}
		c := *v
		if v.Checked != nil {
			c.Checked = make(map[string]bool, len(v.Checked))
			for ck, cv := range v.Checked {
				c.Checked[ck] = cv
			}
		}
		out[k] = &c
	}
	return out
}
