// Package dialogs is the core of Grænsen: what the bot says and asks, as pure
// functions of the stored state and one input.
//
// A turn is Engine.Step(state, profile, input) → new state, new profile and
// a list of outputs. Outputs are data ("send this card", "update that card",
// "schedule this reminder"); the bot package carries them out after the new
// state has been saved. Nothing here does I/O: time and randomness arrive in
// the Input, texts are message ids that the bot localizes, so every dialog is
// tested as a transcript without HTTP or Redis.
package dialogs

import (
	"encoding/json"
	"time"
)

// Lang is a language Grænsen speaks.
type Lang string

// The languages: Danish first, English always.
const (
	Danish  Lang = "da"
	English Lang = "en"
)

// Role is what the user told us they are; it orders the menu.
type Role string

// The roles a user can pick.
const (
	RoleUnknown  Role = ""
	RoleEmployee Role = "employee"
	RoleManager  Role = "manager"
	RoleRep      Role = "rep" // AMR or TR: safety or union representative
	RoleHR       Role = "hr"  // HR or AMK staff
)

// Kind says what happened in a turn.
type Kind int

// The kinds of input the engine understands.
const (
	KindMessage   Kind = iota // a typed message or a card submit (Values set)
	KindInstall               // the bot was installed or added to the conversation
	KindUninstall             // the bot was removed: forget the user
	KindInvoke                // an invoke whose answer goes in the HTTP body
)

// Scope is where the conversation takes place.
type Scope int

// The scopes: a private 1:1 chat or a team channel (or group chat).
const (
	ScopePersonal Scope = iota
	ScopeChannel
)

// Input is one normalised turn. It carries no raw identity beyond what a
// decision needs: AadID is only compared against configured handler and
// admin lists and never stored by a dialog.
type Input struct {
	Kind   Kind
	Scope  Scope
	Text   string            // typed text, mention stripped, trimmed
	Values map[string]string // card submit values (action data merged with inputs)
	Locale string            // the activity's locale, e.g. "da-DK"
	// ReplyToID is the id of the card a submit came from, so it can be updated.
	ReplyToID string
	// ActivityID is the inbound activity id, used to detect redelivery.
	ActivityID string
	// AadID is the user's Entra object id, for authorisation checks only.
	AadID string
	Now   time.Time
	// Rand returns fresh random bytes (ids, receipt codes). Injected so
	// transcripts are deterministic.
	Rand func(n int) []byte
	// Dialog is set for a Teams dialog invoke (task/fetch or task/submit):
	// the turn answers with a ShowDialog or CloseDialog output in the HTTP
	// body, and nothing of it becomes a chat message (dialogwin.go).
	Dialog bool
	// NoDialog is set when a button meant to open a dialog arrived as an
	// ordinary message submit: this client cannot open dialogs.
	NoDialog bool
}

// Profile is what Grænsen remembers about a user across conversations. It
// holds no identity: it is stored under a keyed hash of the user's id.
type Profile struct {
	Lang   Lang                      `json:"l,omitempty"` // the user's choice; empty means follow the client
	Role   Role                      `json:"r,omitempty"`
	Asked  bool                      `json:"a,omitempty"` // the role question was shown once
	Muted  bool                      `json:"m,omitempty"` // campaign messages muted
	Guides map[string]*GuideProgress `json:"g,omitempty"`
	// Reminders are the follow-ups the user asked for (reminder.go).
	Reminders []Reminder `json:"rm,omitempty"`
}

// GuideProgress is how far a user is in one playbook.
type GuideProgress struct {
	// StepID is the step the user is on. Step is the position stored by
	// versions before step ids (read against the playbook's frozen
	// positions, then rewritten as StepID).
	StepID  string          `json:"i,omitempty"`
	Step    int             `json:"s,omitempty"`
	Checked map[string]bool `json:"c,omitempty"` // "<step>.<check>" → ticked
	Updated time.Time       `json:"u"`           // day of last use, for ordering
	Done    bool            `json:"f,omitempty"` // finished: no longer "under way"
	// Seq orders the playbooks used on the same day: the one used last
	// has the highest (no time finer than the day is stored).
	Seq int `json:"q,omitempty"`
}

// State is one conversation's dialog state: a stack of frames, most recent
// last, plus the ids of recently handled activities.
type State struct {
	Stack []Frame `json:"k,omitempty"`
	// Seen holds the last activity ids handled in this conversation: a
	// redelivered activity is recognised here, atomically with the state.
	Seen []string `json:"d,omitempty"`
	// Welcomed is set once the bot has greeted here: Teams announces an
	// install both as installationUpdate and conversationUpdate.
	Welcomed bool `json:"w,omitempty"`
	// Form is the flow open in a Teams dialog window (the report form),
	// apart from the chat's stack: closing the window or chatting meanwhile
	// does not disturb either.
	Form *Frame `json:"f,omitempty"`
	// Here is the playbook whose step the last turn showed, so a language
	// switch can show that step again.
	Here string `json:"h,omitempty"`
	// Ask is the question the last turn could not answer, kept for one
	// turn so the user may choose to share it with AMK (the share button
	// does not echo it).
	Ask string `json:"q,omitempty"`
}

// Frame is one active dialog on the stack.
type Frame struct {
	Dialog  string          `json:"n"`
	Version int             `json:"v"`
	Step    string          `json:"s,omitempty"`
	Data    json.RawMessage `json:"x,omitempty"`
	// Tag marks the cards this frame sent, so a click on a stale card is
	// recognised instead of being applied to another dialog.
	Tag string `json:"t,omitempty"`
}

// Msg is a localizable text: a message id and its template data.
type Msg struct {
	ID   string         `json:"id"`
	Data map[string]any `json:"data,omitempty"`
}

// M builds a Msg without data.
func M(id string) Msg { return Msg{ID: id} }

// BlockKind says how a Block renders.
type BlockKind string

// The kinds of card block.
const (
	BlockHeading BlockKind = "heading"
	BlockText    BlockKind = "text"
	BlockSubtle  BlockKind = "subtle"
	BlockRaw     BlockKind = "raw"    // Text shown as is (a receipt code)
	BlockPlain   BlockKind = "plain"  // Text someone typed: inert (no markdown, links or mentions)
	BlockFacts   BlockKind = "facts"  // Facts
	BlockChoice  BlockKind = "choice" // Input.ChoiceSet
	BlockInput   BlockKind = "input"  // Input.Text
	BlockToggle  BlockKind = "toggle" // Input.Toggle
	BlockDate    BlockKind = "date"   // Input.Date
	BlockTime    BlockKind = "time"   // Input.Time
	BlockActions BlockKind = "actions"
	BlockBars    BlockKind = "bars" // Bars: a bar chart, one row per bar (statistics)
)

// Block is one element of a card.
type Block struct {
	Kind      BlockKind `json:"kind"`
	Msg       Msg       `json:"msg,omitzero"`   // text, heading or input label
	Text      string    `json:"text,omitempty"` // raw text (BlockRaw) or input value
	ID        string    `json:"id,omitempty"`   // input id
	Choices   []Choice  `json:"choices,omitempty"`
	Multi     bool      `json:"multi,omitempty"`
	Multiline bool      `json:"multiline,omitempty"`
	MaxLen    int       `json:"maxLen,omitempty"`
	Required  bool      `json:"required,omitempty"`
	Checked   bool      `json:"checked,omitempty"`
	Facts     []Fact    `json:"facts,omitempty"`
	Actions   []Action  `json:"actions,omitempty"`
	Bars      []Bar     `json:"bars,omitempty"`
}

// Bar is one bar of a BlockBars chart: a label, a length (N of Max) and
// the value as shown (a number, "< 5", "•").
type Bar struct {
	Label Msg    `json:"label"`
	N     int    `json:"n"`
	Max   int    `json:"max"`
	Text  string `json:"text"`
}

// Choice is one option of a choice input.
type Choice struct {
	Value string `json:"value"`
	Label Msg    `json:"label"`
}

// Fact is a label and a value, both localizable (Value may be raw).
type Fact struct {
	Label Msg    `json:"label"`
	Value Msg    `json:"value,omitzero"`
	Raw   string `json:"raw,omitempty"`
}

// Action is a button. With URL set it opens a link; otherwise it submits
// Data (with the card's inputs) back to the bot.
type Action struct {
	Label Msg               `json:"label"`
	Data  map[string]string `json:"data,omitempty"`
	URL   string            `json:"url,omitempty"`
	// Primary marks the main action of a card.
	Primary bool `json:"primary,omitempty"`
	// Dialog makes the button open a Teams dialog (task/fetch) with Data.
	Dialog bool `json:"dialog,omitempty"`
}

// Card is a message to show: rendered by the bot as an Adaptive Card 1.5.
type Card struct {
	Name    string   `json:"name"` // stable name, for tests and golden files
	Blocks  []Block  `json:"blocks"`
	Actions []Action `json:"actions,omitempty"`
}

// Output is an effect of a turn, carried out by the bot after the state
// has been saved.
type Output interface{ IsOutput() }

// Reply sends a card to the conversation.
type Reply struct{ Card Card }

// Update replaces the card with that activity id (e.g. a submitted form,
// so what was typed does not stay on screen).
type Update struct {
	ActivityID string
	Card       Card
}

// Forget deletes everything stored about the user: profile and conversation
// reference (on uninstall).
type Forget struct{}

func (Reply) IsOutput()  {}
func (Update) IsOutput() {}
func (Forget) IsOutput() {}

// Verb names in card submit data. Every submit carries "a" (the action);
// "v" is its argument and "t" the tag of the frame that sent the card.
const (
	KeyAction = "a"
	KeyArg    = "v"
	KeyTag    = "t"
)

// Submit builds action data for verb with an optional argument.
func Submit(verb, arg string) map[string]string {
	d := map[string]string{KeyAction: verb}
	if arg != "" {
		d[KeyArg] = arg
	}
	return d
}

// ContentArg reports whether a button with this verb carries, as its
// argument, only the name of content (a topic, playbook, step, excuse,
// situation or role) or nothing: the same for every user who sees it, never
// a case, campaign, token or date. The renderer keeps rendered cards whose
// buttons are all such (bot/cards/cache.go).
func ContentArg(verb string) bool {
	switch verb {
	case VerbTopic, VerbGuide, VerbGuides, VerbMenu, VerbMore, VerbExcuse, VerbOffer,
		VerbSituation, VerbGuideSummary, VerbGuideStep, VerbRole, VerbHelpful:
		return true
	}
	return false
}

// MsgIDs lists every message id the card shows (blocks, choices, facts and
// actions), in order: what a renderer must find in both languages.
func (c Card) MsgIDs() []string {
	var ids []string
	add := func(m Msg) {
		if m.ID != "" {
			ids = append(ids, m.ID)
		}
	}
	for _, b := range c.Blocks {
		add(b.Msg)
		for _, ch := range b.Choices {
			add(ch.Label)
		}
		for _, f := range b.Facts {
			add(f.Label)
			add(f.Value)
		}
		for _, a := range b.Actions {
			add(a.Label)
		}
	}
	for _, a := range c.Actions {
		add(a.Label)
	}
	return ids
}

// AllActions lists the card's buttons: those inside blocks first, then the
// card's own.
func (c Card) AllActions() []Action {
	var all []Action
	for _, b := range c.Blocks {
		all = append(all, b.Actions...)
	}
	return append(all, c.Actions...)
}

// Cards lists the cards a turn sends or updates, in order.
func (r Result) Cards() []Card {
	var cs []Card
	for _, o := range r.Outputs {
		switch o := o.(type) {
		case Reply:
			cs = append(cs, o.Card)
		case Update:
			cs = append(cs, o.Card)
		case ShowDialog:
			cs = append(cs, o.Card)
		}
	}
	return cs
}
