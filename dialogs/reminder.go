package dialogs

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kk/graensen/dialogs/content"
)

// Follow-up reminders: where a playbook step says "agree when you talk
// again" or "set a deadline", the step card offers "Remind me" (VerbRemind).
// The reminder dialog asks when (quick picks or a date and time, in
// Europe/Copenhagen), records the reminder in the profile and emits
// ScheduleReminder; bot/reminder schedules it and later sends ReminderCard.

// Verbs of the reminders.
const (
	VerbReminders      = "reminders"       // list the user's reminders
	VerbReminderCancel = "reminder-cancel" // arg reminder id: cancel it
	verbRemindPick     = "remind-pick"     // tagged; arg one of the picks below
	verbRemindBack     = "remind-back"     // tagged: leave the dialog, back to the step
	remindDialog       = "remind"
)

// The quick picks; pickDate uses the card's date and time inputs.
const (
	pickTomorrow = "tomorrow"
	pickDays3    = "3d"
	pickWeek     = "week"
	pickDate     = "date"
	inDate       = "rdate"
	inTime       = "rtime"
)

// Limits of a reminder.
const (
	maxReminders  = 20                   // active reminders per user
	maxRemindAway = 366 * 24 * time.Hour // at most about a year ahead
	defaultHour   = 9                    // quick picks remind at 09:00
)

// Reminder is a follow-up the user asked for, kept in the profile so it can
// be listed and cancelled. It holds no identity.
type Reminder struct {
	ID       string    `json:"i"`
	At       time.Time `json:"t"` // the instant (UTC)
	Playbook string    `json:"p"`
	// StepID is the step; Step the position stored by versions before
	// step ids (see GuideProgress).
	StepID string `json:"si,omitempty"`
	Step   int    `json:"s,omitempty"`
}

// ScheduleReminder asks the bot to send ReminderCard to this user at At,
// for the step StepID (Step is always 0: see Reminder).
type ScheduleReminder struct {
	ID       string
	At       time.Time
	Playbook string
	StepID   string
	Step     int
}

// stepRef is the step reference of a stored reminder.
func (r Reminder) stepRef() string { return content.LegacyRef(r.StepID, r.Step) }

// CancelReminder asks the bot to forget a scheduled reminder of this user.
type CancelReminder struct{ ID string }

func (ScheduleReminder) IsOutput() {}
func (CancelReminder) IsOutput()   {}

// remindPick computes the instant of a quick pick, or of the date ("YYYY-MM-DD")
// and time ("HH:MM") inputs, in Copenhagen time. ok is false when the date or
// time does not parse.
func remindPick(pick, date, clock string, now time.Time) (time.Time, bool) {
	loc := Copenhagen
	y, m, d := now.In(loc).Date()
	switch pick {
	case pickTomorrow:
		return LocalInstant(y, m, d+1, defaultHour, 0, loc), true
	case pickDays3:
		return LocalInstant(y, m, d+3, defaultHour, 0, loc), true
	case pickWeek:
		return LocalInstant(y, m, d+7, defaultHour, 0, loc), true
	case pickDate:
		day, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
		if err != nil {
			return time.Time{}, false
		}
		hh, mm := defaultHour, 0
		if c := strings.TrimSpace(clock); c != "" {
			tc, err := time.Parse("15:04", c)
			if err != nil {
				if tc, err = time.Parse(time.TimeOnly, c); err != nil {
					return time.Time{}, false
				}
			}
			hh, mm = tc.Hour(), tc.Minute()
		}
		return LocalInstant(day.Year(), day.Month(), day.Day(), hh, mm, loc), true
	}
	return time.Time{}, false
}

// whenMsg renders an instant as Copenhagen wall-clock time.
func whenMsg(id string, at time.Time) Msg {
	l := at.In(Copenhagen)
	return Msg{ID: id, Data: map[string]any{"Day": l.Day(), "Month": int(l.Month()), "Year": l.Year(), "Time": l.Format("15:04")}}
}

// activeReminders are the reminders still to come, soonest first.
func activeReminders(p Profile, now time.Time) []Reminder {
	var out []Reminder
	for _, r := range p.Reminders {
		if r.At.After(now) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Reminder) int { return a.At.Compare(b.At) })
	return out
}

func (e *Engine) registerReminders() {
	e.register(reminderDialog{})
	e.view(VerbRemind, e.remindView)
	e.view(VerbReminders, e.remindersView)
	e.view(VerbReminderCancel, e.reminderCancelView)
}

// remindView starts the reminder dialog for "<playbook>:<step id>", first
// saving the ticks submitted with the step card, and replacing a reminder
// dialog left open earlier.
func (e *Engine) remindView(t *Turn, arg string) {
	if id, _, ok := strings.Cut(arg, stepSep); ok {
		if p, found := e.lib.Playbook(id); found {
			e.saveChecks(t, p)
		}
	}
	t.st.Stack = slices.DeleteFunc(t.st.Stack, func(f Frame) bool { return f.Dialog == remindDialog })
	e.Begin(t, remindDialog, arg)
}

// remindData is the reminder dialog's frame data.
type remindData struct {
	Playbook string `json:"p"`
	StepID   string `json:"i,omitempty"`
	Step     int    `json:"s,omitempty"` // a position, in frames of earlier versions
}

// step finds the frame's step in p; ok is false when it is gone.
func (d remindData) step(p content.Playbook) (int, bool) {
	n, finish, ok := p.Resolve(content.LegacyRef(d.StepID, d.Step))
	return n, ok && !finish
}

type reminderDialog struct{}

func (reminderDialog) Name() string { return remindDialog }
func (reminderDialog) Version() int { return 1 }

func (reminderDialog) Begin(t *Turn, f *Frame, arg string) Status {
	id, ref, _ := strings.Cut(arg, stepSep)
	p, ok := t.e.lib.Playbook(id)
	n, finish, found := p.Resolve(ref)
	if !ok || !found || finish {
		t.Reply(notice("core.unknownAction", t.e.menuCard(t)))
		return Done
	}
	d := remindData{Playbook: p.ID, StepID: p.Steps[n].ID}
	SetFrameData(f, d)
	t.Reply(pickCard(f, p, n, "", "", ""))
	return Waiting
}

func (reminderDialog) Continue(t *Turn, f *Frame) Status {
	d := FrameData[remindData](f)
	p, ok := t.e.lib.Playbook(d.Playbook)
	n, found := d.step(p)
	if !ok || !found {
		t.Reply(notice("core.updated", t.e.menuCard(t)))
		return Done
	}
	switch t.Verb() {
	case verbRemindBack:
		t.e.showStep(t, p, n, false)
		return Done
	case verbRemindPick:
	default:
		t.Reply(pickCard(f, p, n, "", "", ""))
		return Waiting
	}
	date, clock := t.In.Values[inDate], t.In.Values[inTime]
	at, ok := remindPick(t.Arg(), date, clock, t.In.Now)
	switch {
	case !ok:
		t.Reply(pickCard(f, p, n, "remind.retry.date", date, clock))
		return Waiting
	case !at.After(t.In.Now):
		t.Reply(pickCard(f, p, n, "remind.retry.past", date, clock))
		return Waiting
	case at.After(t.In.Now.Add(maxRemindAway)):
		t.Reply(pickCard(f, p, n, "remind.retry.far", date, clock))
		return Waiting
	}
	active := activeReminders(t.Profile, t.In.Now)
	if len(active) >= maxReminders {
		t.Reply(notice("remind.limit", t.e.reminderList(t, active)))
		return Done
	}
	r := Reminder{ID: t.reminderID(), At: at.UTC(), Playbook: p.ID, StepID: p.Steps[n].ID}
	prof := t.Profile
	prof.Reminders = append(slices.Clone(active), r)
	t.SetProfile(prof)
	t.Emit(ScheduleReminder(r))
	t.Reply(Card{Name: "remind:set", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("remind.set.title")},
		{Kind: BlockText, Msg: whenMsg("remind.set.text", r.At)},
		{Kind: BlockSubtle, Msg: M("playbook." + p.ID + ".title")},
		{Kind: BlockText, Msg: M("playbook." + p.ID + "." + p.Steps[n].ID + ".title")},
	}, Actions: []Action{
		{Label: M("remind.back"), Data: Submit(VerbGuideStep, StepArg(p, n)), Primary: true},
		{Label: M("remind.set.undo"), Data: Submit(VerbReminderCancel, r.ID)},
		{Label: M("remind.list.button"), Data: Submit(VerbReminders, "")},
		menuAction(),
	}})
	return Done
}

// reminderID is a short random id, unique among the user's reminders.
func (t *Turn) reminderID() string {
	if t.In.Rand == nil {
		return strconv.FormatInt(t.In.Now.UnixNano(), 36)
	}
	return base64.RawURLEncoding.EncodeToString(t.In.Rand(9))
}

// pickCard asks when to remind, with an optional retry notice and the
// date and time the user typed before.
func pickCard(f *Frame, p content.Playbook, n int, retry, date, clock string) Card {
	if clock == "" {
		clock = "09:00"
	}
	pick := func(arg, label string) Action {
		return Action{Label: M(label), Data: Tagged(f, Submit(verbRemindPick, arg))}
	}
	var blocks []Block
	if retry != "" {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M(retry)})
	}
	blocks = append(blocks,
		Block{Kind: BlockHeading, Msg: M("remind.pick.title")},
		Block{Kind: BlockSubtle, Msg: M("playbook." + p.ID + ".title")},
		Block{Kind: BlockText, Msg: M("playbook." + p.ID + "." + p.Steps[n].ID + ".title")},
		Block{Kind: BlockText, Msg: M("remind.pick.text")},
		Block{Kind: BlockActions, Actions: []Action{
			pick(pickTomorrow, "remind.pick.tomorrow"),
			pick(pickDays3, "remind.pick.days3"),
			pick(pickWeek, "remind.pick.week"),
		}},
		Block{Kind: BlockSubtle, Msg: M("remind.pick.own")},
		Block{Kind: BlockDate, ID: inDate, Msg: M("remind.pick.date"), Text: date},
		Block{Kind: BlockTime, ID: inTime, Msg: M("remind.pick.time"), Text: clock},
		Block{Kind: BlockActions, Actions: []Action{{Label: M("remind.pick.set"), Data: Tagged(f, Submit(verbRemindPick, pickDate)), Primary: true}}},
		Block{Kind: BlockSubtle, Msg: M("remind.pick.zone")},
	)
	return Card{Name: "remind:pick", Blocks: blocks, Actions: []Action{
		{Label: M("remind.back"), Data: Tagged(f, Submit(verbRemindBack, ""))},
		menuAction(),
	}}
}

// remindersView lists the reminders to come; past ones drop off the list
// (and out of the profile).
func (e *Engine) remindersView(t *Turn, _ string) {
	t.Reply(e.reminderList(t, e.pruneReminders(t)))
}

// pruneReminders drops past reminders from the profile and returns the
// active ones.
func (e *Engine) pruneReminders(t *Turn) []Reminder {
	active := activeReminders(t.Profile, t.In.Now)
	if len(active) != len(t.Profile.Reminders) {
		p := t.Profile
		p.Reminders = active
		t.SetProfile(p)
	}
	return active
}

func (e *Engine) reminderList(t *Turn, active []Reminder) Card {
	blocks := []Block{{Kind: BlockHeading, Msg: M("remind.list.title")}}
	if len(active) == 0 {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("remind.list.empty")})
	} else {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("remind.list.text")})
	}
	for _, r := range active {
		facts := []Fact{{Label: M("remind.list.when"), Value: whenMsg("remind.when", r.At)}}
		open := Submit(VerbGuides, "")
		if p, ok := e.lib.Playbook(r.Playbook); ok {
			facts = append(facts, Fact{Label: M("remind.list.guide"), Value: M("playbook." + p.ID + ".title")})
			if n, finish, ok := p.Resolve(r.stepRef()); ok && !finish {
				facts = append(facts, Fact{Label: M("remind.list.step"), Value: M("playbook." + p.ID + "." + p.Steps[n].ID + ".title")})
				open = Submit(VerbGuideStep, StepArg(p, n))
			}
		}
		blocks = append(blocks, Block{Kind: BlockFacts, Facts: facts}, Block{Kind: BlockActions, Actions: []Action{
			{Label: M("remind.list.open"), Data: open},
			{Label: M("remind.list.cancel"), Data: Submit(VerbReminderCancel, r.ID)},
		}})
	}
	blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("remind.list.how")})
	return Card{Name: "reminders", Blocks: blocks, Actions: []Action{
		{Label: M("guide.all"), Data: Submit(VerbGuides, "")},
		menuAction(),
	}}
}

// reminderCancelView cancels one of the user's reminders (only ids in the
// user's own profile are cancelled) and shows the list.
func (e *Engine) reminderCancelView(t *Turn, id string) {
	active := e.pruneReminders(t)
	i := slices.IndexFunc(active, func(r Reminder) bool { return r.ID == id })
	if id == "" || i < 0 {
		t.Reply(notice("remind.gone", e.reminderList(t, active)))
		return
	}
	active = slices.Delete(slices.Clone(active), i, i+1)
	p := t.Profile
	p.Reminders = active
	t.SetProfile(p)
	t.Emit(CancelReminder{ID: id})
	t.Reply(notice("remind.cancelled", e.reminderList(t, active)))
}

// reminderMenu is the menu's "My reminders" button, shown when the user
// has reminders to come.
func (e *Engine) reminderMenu(t *Turn) []Action {
	if len(activeReminders(t.Profile, t.In.Now)) == 0 {
		return nil
	}
	return []Action{{Label: M("remind.list.button"), Data: Submit(VerbReminders, "")}}
}

// ReminderCard is the proactive message a due reminder sends: what it was
// about and a button back into the playbook. step is the step id (or, in a
// reminder scheduled by an earlier version, its old position: see
// content.LegacyRef). It is pure, so texts stay message ids rendered in the
// user's language when sent.
func ReminderCard(lib *content.Library, playbook, step string) Card {
	p, ok := lib.Playbook(playbook)
	if !ok {
		return Card{Name: "reminder", Blocks: []Block{
			{Kind: BlockHeading, Msg: M("remind.card.title")},
			{Kind: BlockText, Msg: M("remind.card.gone")},
		}, Actions: []Action{{Label: M("guide.all"), Data: Submit(VerbGuides, ""), Primary: true}, menuAction()}}
	}
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("remind.card.title")},
		{Kind: BlockText, Msg: M("remind.card.text")},
		{Kind: BlockText, Msg: M("playbook." + p.ID + ".title")},
	}
	acts := []Action{{Label: M("remind.card.open"), Data: Submit(VerbGuide, p.ID), Primary: true}}
	if n, finish, ok := p.Resolve(step); ok && !finish {
		blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("playbook." + p.ID + "." + p.Steps[n].ID + ".title")})
		acts = append(acts, Action{Label: M("remind.card.step"), Data: Submit(VerbGuideStep, StepArg(p, n))})
	}
	acts = append(acts, Action{Label: M("remind.list.button"), Data: Submit(VerbReminders, "")}, menuAction())
	return Card{Name: "reminder:" + p.ID, Blocks: blocks, Actions: acts}
}
