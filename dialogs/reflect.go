package dialogs

import (
	"slices"
	"strings"
)

// The reflection "Is this over the line?" (content map items 4-7 and 11):
// one form asks what happened, how grave it felt, for how long, how often
// and how it affects the user; the answer mirrors it back through the load
// triangle, intention versus effect and "not everything is offensive", and
// ends with the ways forward. It never gives a verdict: the experience is a
// door to help. The answers live only in the frame while the form is open;
// the frame is popped when the reflection is shown, and nothing goes to the
// profile.

const (
	reflectDialogName = "reflect"
	verbReflectSubmit = "reflect-submit" // the form's submit (tagged)
)

// reflectQuestion is one choice input of the form. Its id is the input id
// and the suffix of its message ids: reflect.ask.<id> is the label and
// <choices>.<value> the label of each choice.
type reflectQuestion struct {
	id      string
	choices string // message id prefix of the choices
	multi   bool
	values  []string
}

func reflectQuestions(t *Turn) []reflectQuestion {
	r := t.Lib().Reflect
	return []reflectQuestion{
		{id: "kind", choices: "reflect.kind", multi: true, values: r.Kinds},
		{id: "severity", choices: "reflect.severity", values: r.Severity},
		{id: "duration", choices: "reflect.duration", values: r.Duration},
		{id: "frequency", choices: "reflect.frequency", values: r.Frequency},
		{id: "effect", choices: "reflect.effect", multi: true, values: r.Effects},
	}
}

// reflectData is what the open form holds: the valid answers so far, by
// question id.
type reflectData struct {
	A map[string][]string `json:"a,omitempty"`
}

// reflectStrongEffects are the effects that say the situation weighs on the user.
var reflectStrongEffects = []string{"avoid-work", "sleep-worry"}

// reflectGraveKinds are the kinds that are grave in themselves.
var reflectGraveKinds = []string{"assault-threats"}

// reflectManagementKinds are the kinds where "ordinary management and
// collegial feedback is not offensive in itself" may fit.
var reflectManagementKinds = []string{"unequal-treatment", "something-else"}

type reflectFlow struct{}

func (reflectFlow) Name() string { return reflectDialogName }
func (reflectFlow) Version() int { return 1 }

// Begin shows the form. Starting the reflection again replaces an earlier,
// unfinished one (and deletes what it held).
func (d reflectFlow) Begin(t *Turn, f *Frame, _ string) Status {
	f = soleFrame(t, f)
	t.Reply(d.form(t, f, reflectData{}, nil))
	return Waiting
}

// Continue validates a submit: unknown or missing answers re-ask the same
// form with what was valid kept; a complete answer is reflected back and
// the frame is popped.
func (d reflectFlow) Continue(t *Turn, f *Frame) Status {
	data := FrameData[reflectData](f)
	if t.Verb() != verbReflectSubmit {
		t.Reply(d.form(t, f, data, nil))
		return Waiting
	}
	missing := data.take(reflectQuestions(t), t.In.Values)
	if len(missing) > 0 {
		SetFrameData(f, data)
		t.Reply(notice("reflect.retry", d.form(t, f, data, missing)))
		return Waiting
	}
	f.Data = nil
	if t.In.ReplyToID != "" {
		// Take the filled-in form off the screen.
		t.Emit(Update{ActivityID: t.In.ReplyToID, Card: Card{Name: "reflect:sent", Blocks: []Block{
			{Kind: BlockSubtle, Msg: M("reflect.sent")},
		}}})
	}
	t.Reply(d.result(t, data))
	return Done
}

// take merges submitted values into the answers and returns the ids of the
// questions still without a valid answer. A submitted value replaces the
// stored one when every part of it is a known choice; an unknown value
// clears the answer (it is asked again); an absent or empty value keeps
// what was answered before.
func (a *reflectData) take(qs []reflectQuestion, values map[string]string) []string {
	if a.A == nil {
		a.A = map[string][]string{}
	}
	var missing []string
	for _, q := range qs {
		raw := strings.TrimSpace(values[q.id])
		if raw != "" {
			if picked, ok := reflectParse(raw, q); ok {
				a.A[q.id] = picked
			} else {
				delete(a.A, q.id)
			}
		}
		if old, ok := a.A[q.id]; ok && !reflectValid(old, q) {
			delete(a.A, q.id) // content changed under a stored answer
		}
		if len(a.A[q.id]) == 0 {
			missing = append(missing, q.id)
		}
	}
	return missing
}

// reflectParse reads a ChoiceSet value ("a" or, multi-select, "a,b").
func reflectParse(raw string, q reflectQuestion) ([]string, bool) {
	var out []string
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 || (!q.multi && len(out) > 1) || !reflectValid(out, q) {
		return nil, false
	}
	// Keep the content's order, so the reflection reads the same whatever
	// order the client sends.
	slices.SortFunc(out, func(x, y string) int { return slices.Index(q.values, x) - slices.Index(q.values, y) })
	return out, true
}

func reflectValid(vs []string, q reflectQuestion) bool {
	for _, v := range vs {
		if !slices.Contains(q.values, v) {
			return false
		}
	}
	return len(vs) > 0
}

// form is the reflection's one card. missing marks the questions to answer
// again, with a hint above each.
func (reflectFlow) form(t *Turn, f *Frame, a reflectData, missing []string) Card {
	blocks := []Block{
		{Kind: BlockHeading, Msg: M("reflect.title")},
		{Kind: BlockText, Msg: M("reflect.intro")},
		{Kind: BlockSubtle, Msg: M("reflect.privacy")},
	}
	for _, q := range reflectQuestions(t) {
		if slices.Contains(missing, q.id) {
			blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("reflect.missing")})
		}
		choices := make([]Choice, 0, len(q.values))
		for _, v := range q.values {
			choices = append(choices, Choice{Value: v, Label: M(q.choices + "." + v)})
		}
		blocks = append(blocks, Block{
			Kind: BlockChoice, ID: q.id, Msg: M("reflect.ask." + q.id), Choices: choices,
			Multi: q.multi, Required: true, Text: strings.Join(a.A[q.id], ","),
		})
	}
	// No cancel button: Teams validates the required inputs on every
	// submit button of a card, so it would not work on an empty form. The
	// privacy line says to write "annuller".
	return Card{Name: "reflect:form", Blocks: blocks, Actions: []Action{
		{Label: M("reflect.submit"), Data: Tagged(f, Submit(verbReflectSubmit, "")), Primary: true},
	}}
}

// reflectWeighs reports whether the answers point to more load: a grave
// severity or kind, the longest duration, the highest frequency, both a
// longer duration and repetition, or effects that weigh on the user.
func reflectWeighs(t *Turn, a reflectData) bool {
	r := t.Lib().Reflect
	level := func(vs []string, v []string) int {
		if len(v) == 0 {
			return 0
		}
		return slices.Index(vs, v[0])
	}
	sev, dur, freq := level(r.Severity, a.A["severity"]), level(r.Duration, a.A["duration"]), level(r.Frequency, a.A["frequency"])
	switch {
	case sev > 0,
		dur == len(r.Duration)-1 && dur > 0,
		freq == len(r.Frequency)-1 && freq > 0,
		dur > 0 && freq > 0,
		reflectAny(a.A["effect"], reflectStrongEffects),
		reflectAny(a.A["kind"], reflectGraveKinds):
		return true
	}
	return false
}

func reflectAny(vs, set []string) bool {
	for _, v := range vs {
		if slices.Contains(set, v) {
			return true
		}
	}
	return false
}

// result mirrors the answers back. Where they point to more load, the ways
// forward come first.
func (reflectFlow) result(t *Turn, a reflectData) Card {
	ways := reflectWays(t)
	weighs := reflectWeighs(t, a)
	grave := reflectAny(a.A["kind"], reflectGraveKinds)
	var blocks []Block
	if grave {
		// Physical assault, threats or coercion: immediate help first.
		blocks = append(blocks, t.e.urgentBlocks()...)
	}
	blocks = append(blocks,
		Block{Kind: BlockHeading, Msg: M("reflect.result.title")},
		Block{Kind: BlockText, Msg: M("reflect.result.intro")},
	)
	if weighs {
		blocks = append(blocks,
			Block{Kind: BlockText, Msg: M("reflect.result.weighs")},
			Block{Kind: BlockActions, Actions: ways})
	}

	// What the user told, as facts.
	var facts []Fact
	for _, q := range reflectQuestions(t) {
		for i, v := range a.A[q.id] {
			label := "reflect.fact." + q.id
			if i > 0 {
				label = "reflect.fact.also"
			}
			facts = append(facts, Fact{Label: M(label), Value: M(q.choices + "." + v)})
		}
	}
	blocks = append(blocks,
		Block{Kind: BlockSubtle, Msg: M("reflect.result.told")},
		Block{Kind: BlockFacts, Facts: facts},
		Block{Kind: BlockText, Msg: M("reflect.result.triangle")},
	)
	// The load triangle, one side at a time, each with the user's answer.
	for _, side := range []string{"severity", "duration", "frequency"} {
		if v := a.A[side]; len(v) > 0 {
			if grave && side == "frequency" && v[0] == "once" {
				continue // "how would you feel if it happens again?" does not fit an assault
			}
			blocks = append(blocks, Block{Kind: BlockText, Msg: M("reflect.load." + side + "." + v[0])})
		}
	}
	effect := "reflect.load.effect.light"
	if reflectAny(a.A["effect"], reflectStrongEffects) {
		effect = "reflect.load.effect.strong"
	}
	blocks = append(blocks, Block{Kind: BlockText, Msg: M(effect)})

	if slices.ContainsFunc(a.A["kind"], func(k string) bool { return k != "something-else" }) {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("reflect.result.examples")})
	}
	// Intention versus effect, and "ordinary management is not offensive",
	// only where they fit the answers: never for an assault, threats or
	// coercion; the management paragraph only when what happened may be
	// about tasks and treatment rather than sex or gender.
	if !grave {
		blocks = append(blocks, Block{Kind: BlockText, Msg: M("reflect.result.intention")})
		if reflectAny(a.A["kind"], reflectManagementKinds) {
			blocks = append(blocks, Block{Kind: BlockText, Msg: M("reflect.result.noteverything")})
		}
	}
	blocks = append(blocks,
		Block{Kind: BlockText, Msg: M("reflect.result.door")},
		Block{Kind: BlockSubtle, Msg: M("reflect.read.title")},
		Block{Kind: BlockActions, Actions: []Action{
			{Label: M(topicLabel(topicLoadTriangle)), Data: Submit(VerbTopic, topicLoadTriangle)},
			{Label: M(topicLabel(topicIntentionEffect)), Data: Submit(VerbTopic, topicIntentionEffect)},
			{Label: M("reflect.read.noteverything"), Data: Submit(VerbTopic, topicNotEverything)},
		}},
	)
	if !weighs {
		blocks = append(blocks,
			Block{Kind: BlockSubtle, Msg: M("reflect.result.forward")},
			Block{Kind: BlockActions, Actions: ways})
	}
	blocks = append(blocks, Block{Kind: BlockSubtle, Msg: M("reflect.result.forgotten")})
	return Card{Name: "reflect:result", Blocks: blocks, Actions: []Action{
		{Label: M("reflect.again"), Data: Submit(VerbReflect, "")},
		menuAction(),
	}}
}

// reflectWays are the next steps the reflection ends with: talk to the
// manager, AMR or TR; the anonymous unit; reporting here when the bot
// offers it; psychological help.
func reflectWays(t *Turn) []Action {
	ways := t.e.waysForward()
	ways = append(ways, Action{Label: M(topicLabel(topicPsychologicalHelp)), Data: Submit(VerbTopic, topicPsychologicalHelp)})
	ways[0].Primary = true
	return ways
}

// soleFrame drops older frames of f's dialog from the stack, so a flow
// begun again replaces its unfinished run (and what that held), and
// returns the pointer to f's frame, still on top. Call it from Begin only.
func soleFrame(t *Turn, f *Frame) *Frame {
	keep := make([]Frame, 0, len(t.st.Stack))
	for i := range t.st.Stack {
		if fr := &t.st.Stack[i]; fr == f || fr.Dialog != f.Dialog {
			keep = append(keep, *fr)
		}
	}
	if len(keep) == len(t.st.Stack) {
		return f
	}
	t.st.Stack = keep
	return &t.st.Stack[len(keep)-1]
}
