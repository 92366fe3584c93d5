package reminder_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/redisstore"
)

// cardSender records the card a reminder sends.
type cardSender struct {
	reminder.Sender
	got *dialogs.Card
}

func (s cardSender) SendToUser(_ context.Context, _ string, c dialogs.Card) (string, error) {
	*s.got = c
	return "sent", nil
}

// insertStep is the library with a step inserted before round-off in
// receive-report (AMK's edit), the rest unchanged.
func insertStep(t *testing.T) *content.Library {
	t.Helper()
	l := *lib
	l.Playbooks = slices.Clone(lib.Playbooks)
	for i, p := range l.Playbooks {
		if p.ID == "receive-report" {
			n := p.StepIndex("round-off")
			if n < 0 {
				t.Fatal("receive-report has no round-off step")
			}
			p.Steps = slices.Insert(slices.Clone(p.Steps), n, content.Step{ID: "inserted"})
			l.Playbooks[i] = p
		}
	}
	return &l
}

// Issue 14, point 3: a reminder is scheduled by step id, and a reminder
// scheduled for a step fires for that step after AMK inserts a step before
// it: one scheduled now (by id) and one an earlier version left in Redis
// (by position).
func TestReminderFiresForItsStepAfterAStepIsInserted(t *testing.T) {
	ctx := context.Background()
	h := newBot(t, nil)
	setReminder(t, h, "s")
	due, err := h.Store.ClaimDue(ctx, time.Now().Add(72*time.Hour), 10, time.Minute)
	if err != nil || len(due) != 1 {
		t.Fatalf("claim: %v %+v", err, due)
	}
	var pl map[string]any
	if err := json.Unmarshal(due[0].Payload, &pl); err != nil {
		t.Fatal(err)
	}
	if pl["si"] != "round-off" || pl["s"] != nil {
		t.Fatalf("payload %v, want the step id and no position", pl)
	}
	legacy := due[0]
	delete(pl, "si")
	pl["s"] = 2 // round-off's position when payloads carried positions
	legacy.Payload, _ = json.Marshal(pl)

	edited := insertStep(t)
	for name, d := range map[string]redisstore.Due{"by id": due[0], "by position": legacy} {
		var card dialogs.Card
		if err := reminder.Handler(cardSender{h.Bot, &card}, h.Store, edited)(ctx, d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Contains(card.MsgIDs(), "playbook.receive-report.round-off.title") {
			t.Errorf("%s: the reminder names %v, want round-off", name, card.MsgIDs())
		}
		step := false
		for _, a := range card.AllActions() {
			step = step || (a.Data[dialogs.KeyAction] == dialogs.VerbGuideStep && a.Data[dialogs.KeyArg] == "receive-report:round-off")
		}
		if !step {
			t.Errorf("%s: no button to round-off", name)
		}
	}
	// Read against the edited content without the frozen positions, the
	// old payload would name the inserted step: the check can fail.
	noFreeze := insertStep(t)
	for i := range noFreeze.Playbooks {
		noFreeze.Playbooks[i].Positions = nil
	}
	var card dialogs.Card
	if err := reminder.Handler(cardSender{h.Bot, &card}, h.Store, noFreeze)(ctx, legacy); err != nil || slices.Contains(card.MsgIDs(), "playbook.receive-report.round-off.title") {
		t.Fatalf("without positions: %v %v", err, card.MsgIDs())
	}
}
