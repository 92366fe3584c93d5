package dialogs

import (
	"slices"
	"strconv"
)

// The dilemma quiz for team discussions (content map items 2, 3, 5 and 22):
// each case of the content is shown with the answers "sexism", "sexual
// harassment", "neither" and "it depends"; after an answer comes the
// source's explanation and whether the answer matched the source's example,
// and at the end the score, with a note that in real life the experience
// and the load triangle matter. It runs on the conversation's stack, so in
// a channel the whole team answers together.

const (
	quizDialogName = "quiz"
	verbQuizAnswer = "quiz-answer" // arg an answer; the case index in keyQuizCase (tagged)
	verbQuizNext   = "quiz-next"   // the case index in keyQuizCase (tagged)
	// keyQuizCase carries the index of the case a button belongs to, so a
	// stale or repeated click is recognised and never counts twice.
	keyQuizCase = "i"
	// quizDepends is the extra answer "it depends": never a match, but a
	// good point to discuss.
	quizDepends = "depends"
)

// quizAnswers are the buttons of a case, in order.
var quizAnswers = []string{"sexism", "harassment", "neither", quizDepends}

// quizData is the quiz's progress: the current case, whether it has been
// answered (and with what), and how many answers matched so far.
type quizData struct {
	Cur      int    `json:"c,omitempty"`
	Answered bool   `json:"a,omitempty"`
	Pick     string `json:"p,omitempty"`
	Score    int    `json:"s,omitempty"`
}

type quizFlow struct{}

func (quizFlow) Name() string { return quizDialogName }
func (quizFlow) Version() int { return 1 }

// Begin shows the first case. Starting the quiz again restarts it.
func (q quizFlow) Begin(t *Turn, f *Frame, _ string) Status {
	if len(t.Lib().Quiz) == 0 {
		t.Reply(notice("core.unknownAction", t.e.menuCard(t)))
		return Done
	}
	f = soleFrame(t, f)
	t.Reply(q.caseCard(t, f, quizData{}))
	return Waiting
}

// Continue handles an answer or "next". A click that does not belong to the
// current step (a double click, an old card) changes nothing: the current
// step is shown again with a short note.
func (q quizFlow) Continue(t *Turn, f *Frame) Status {
	d := FrameData[quizData](f)
	cases := t.Lib().Quiz
	if d.Cur >= len(cases) {
		t.Reply(notice("core.updated", t.e.menuCard(t)))
		return Done
	}
	idx, err := strconv.Atoi(t.In.Values[keyQuizCase])
	current := err == nil && idx == d.Cur
	switch t.Verb() {
	case verbQuizAnswer:
		if !current || d.Answered {
			t.Reply(notice("quiz.ui.already", q.current(t, f, d)))
			return Waiting
		}
		pick := t.Arg()
		if !slices.Contains(quizAnswers, pick) {
			t.Reply(notice("quiz.ui.pick", q.current(t, f, d)))
			return Waiting
		}
		d.Answered, d.Pick = true, pick
		if pick == cases[d.Cur].Answer {
			d.Score++
		}
		SetFrameData(f, d)
		t.Reply(q.explainCard(t, f, d))
		return Waiting
	case verbQuizNext:
		if !current || !d.Answered {
			t.Reply(notice("quiz.ui.already", q.current(t, f, d)))
			return Waiting
		}
		d = quizData{Cur: d.Cur + 1, Score: d.Score}
		if d.Cur >= len(cases) {
			f.Data = nil
			t.Reply(q.scoreCard(d.Score, len(cases)))
			return Done
		}
		SetFrameData(f, d)
		t.Reply(q.caseCard(t, f, d))
		return Waiting
	}
	t.Reply(q.current(t, f, d))
	return Waiting
}

// current is the card of the step the quiz is at.
func (q quizFlow) current(t *Turn, f *Frame, d quizData) Card {
	if d.Answered {
		return q.explainCard(t, f, d)
	}
	return q.caseCard(t, f, d)
}

func quizProgress(d quizData, of int) Block {
	return Block{Kind: BlockSubtle, Msg: Msg{ID: "quiz.ui.progress", Data: map[string]any{"N": d.Cur + 1, "Of": of}}}
}

func quizStop() Action { return Action{Label: M("quiz.ui.stop"), Data: Submit(VerbCancel, "")} }

// caseCard shows one case with the answer buttons.
func (quizFlow) caseCard(t *Turn, f *Frame, d quizData) Card {
	cases := t.Lib().Quiz
	c := cases[d.Cur]
	var blocks []Block
	if d.Cur == 0 {
		blocks = append(blocks,
			Block{Kind: BlockHeading, Msg: M("quiz.ui.title")},
			Block{Kind: BlockText, Msg: M("quiz.ui.intro")})
	}
	idx := strconv.Itoa(d.Cur)
	acts := make([]Action, 0, len(quizAnswers))
	for _, a := range quizAnswers {
		data := Tagged(f, Submit(verbQuizAnswer, a))
		data[keyQuizCase] = idx
		acts = append(acts, Action{Label: M("quiz.ui.answer." + a), Data: data})
	}
	blocks = append(blocks,
		quizProgress(d, len(cases)),
		Block{Kind: BlockText, Msg: M("quiz." + c.ID + ".case")},
		Block{Kind: BlockText, Msg: M("quiz.ui.question")},
		Block{Kind: BlockActions, Actions: acts},
	)
	return Card{Name: "quiz:case:" + c.ID, Blocks: blocks, Actions: []Action{quizStop()}}
}

// explainCard shows the source's explanation after an answer.
func (quizFlow) explainCard(t *Turn, f *Frame, d quizData) Card {
	cases := t.Lib().Quiz
	c := cases[d.Cur]
	feedback := "quiz.ui.nomatch"
	switch d.Pick {
	case c.Answer:
		feedback = "quiz.ui.match"
	case quizDepends:
		feedback = "quiz.ui.depends"
	}
	next := Tagged(f, Submit(verbQuizNext, ""))
	next[keyQuizCase] = strconv.Itoa(d.Cur)
	label := "quiz.ui.next"
	if d.Cur == len(cases)-1 {
		label = "quiz.ui.finish"
	}
	return Card{Name: "quiz:explain:" + c.ID, Blocks: []Block{
		quizProgress(d, len(cases)),
		{Kind: BlockText, Msg: M(feedback)},
		{Kind: BlockFacts, Facts: []Fact{
			{Label: M("quiz.ui.yours"), Value: M("quiz.ui.answer." + d.Pick)},
			{Label: M("quiz.ui.source"), Value: M("quiz.ui.answer." + c.Answer)},
		}},
		{Kind: BlockText, Msg: M("quiz." + c.ID + ".explain")},
		{Kind: BlockActions, Actions: []Action{{Label: M(label), Data: next, Primary: true}}},
	}, Actions: []Action{quizStop()}}
}

// scoreCard ends the quiz.
func (quizFlow) scoreCard(score, of int) Card {
	return Card{Name: "quiz:score", Blocks: []Block{
		{Kind: BlockHeading, Msg: M("quiz.ui.score.title")},
		{Kind: BlockText, Msg: Msg{ID: "quiz.ui.score.text", Data: map[string]any{"N": score, "Of": of}}},
		{Kind: BlockText, Msg: M("quiz.ui.score.reallife")},
		{Kind: BlockText, Msg: M("quiz.ui.score.discuss")},
		{Kind: BlockActions, Actions: []Action{
			{Label: M(topicLabel(topicLoadTriangle)), Data: Submit(VerbTopic, topicLoadTriangle)},
			{Label: M(topicLabel(topicExperienceDoor)), Data: Submit(VerbTopic, topicExperienceDoor)},
			{Label: M(topicLabel(topicGetHelp)), Data: Submit(VerbTopic, topicGetHelp)},
		}},
	}, Actions: []Action{
		{Label: M("quiz.ui.again"), Data: Submit(VerbQuiz, ""), Primary: true},
		menuAction(),
	}}
}
