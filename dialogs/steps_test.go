package dialogs_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
)

// fixtureLib loads a small content library from dialogs/testdata/library.
func fixtureLib(t *testing.T, name string) *content.Library {
	t.Helper()
	lib, err := content.LoadFS(os.DirFS("testdata/library/" + name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return lib
}

// legacyProfile is a profile as versions before step ids stored it: the
// user is on the second step of manager-colleague ("agree" then) and has
// a reminder for it, both by position.
func legacyProfile(t *testing.T) dialogs.Profile {
	t.Helper()
	var p dialogs.Profile
	raw := `{"g":{"manager-colleague":{"s":1,"u":"2026-11-24T00:00:00Z","q":1}},
		"rm":[{"i":"old","t":"2026-12-24T08:00:00Z","p":"manager-colleague","s":1}]}`
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Guides) != 1 || len(p.Reminders) != 1 {
		t.Fatalf("legacy profile did not decode: %+v (is the profile's JSON still \"g\" and \"rm\"?)", p)
	}
	return p
}

// Issue 14, point 3: AMK inserts a step ("options") before the step a user
// is on ("agree"). Users with progress stored by step id and by position
// stay on "agree"; a reminder scheduled for "agree" (by id, or by position
// in a payload of an earlier version) opens "agree"; buttons of cards sent
// before the edit lead to the step they named.
func TestInsertedStepKeepsUsersOnTheirStep(t *testing.T) {
	before, after := fixtureLib(t, "before"), fixtureLib(t, "after")
	const want = "step:manager-colleague:agree"

	// By id: the user walks to "agree" and asks for a reminder there.
	byID := newGSess(t, "da-DK", dialogs.Config{Content: before})
	c := gOnly(t, byID.click(dialogs.Submit(dialogs.VerbGuide, "manager-colleague")))
	stale := gAction(t, c, "guide.next") // a card still in the chat after the edit
	if c = gOnly(t, byID.click(stale)); c.Name != want {
		t.Fatalf("next gave %s", c.Name)
	}
	pick := gOnly(t, byID.click(gAction(t, c, "guide.remind.button")))
	sr := scheduled(t, byID.clickWith(pickAction(t, pick, "week"), nil))
	if sr.StepID != "agree" || sr.Step != 0 {
		t.Fatalf("reminder scheduled for %+v, want step id agree", sr)
	}
	if gp := byID.p.Guides["manager-colleague"]; gp == nil || gp.StepID != "agree" || gp.Step != 0 {
		t.Fatalf("progress stored as %+v, want step id agree", gp)
	}

	// By position: a profile stored by an earlier version.
	byPos := newGSess(t, "da-DK", dialogs.Config{Content: before})
	byPos.p = legacyProfile(t)

	// AMK's edit is deployed.
	for _, s := range []*gsess{byID, byPos} {
		s.restart(dialogs.Config{Content: after})
	}
	for name, s := range map[string]*gsess{"by id": byID, "by position": byPos} {
		c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "manager-colleague")))
		if c.Name != want {
			t.Fatalf("%s: reopened at %s, want %s", name, c.Name, want)
		}
		prog, _ := gMsg(c, "guide.progress")
		if prog.Data["N"] != 3 || prog.Data["Of"] != 4 {
			t.Fatalf("%s: progress %v, want 3 of 4", name, prog.Data)
		}
		if gp := s.p.Guides["manager-colleague"]; gp.StepID != "agree" || gp.Step != 0 {
			t.Fatalf("%s: progress not stored by id after the read: %+v", name, gp)
		}
		// The reminder list names the step, and its button opens it.
		list := gOnly(t, s.click(dialogs.Submit(dialogs.VerbReminders, "")))
		if !slices.Contains(list.MsgIDs(), "playbook.manager-colleague.agree.title") {
			t.Fatalf("%s: reminder list does not name agree: %v", name, list.MsgIDs())
		}
		if c := gOnly(t, s.click(gAction(t, list, "remind.list.open"))); c.Name != want {
			t.Fatalf("%s: reminder list opened %s", name, c.Name)
		}
	}
	// A migrated profile is written by id.
	if gp := byPos.p.Guides["manager-colleague"]; gp.StepID != "agree" {
		t.Fatalf("positional progress not migrated: %+v", gp)
	}

	// The scheduled reminders fire for "agree": the one scheduled above
	// (by id) and one a version before step ids left in Redis (by position).
	for name, ref := range map[string]string{"by id": content.LegacyRef(sr.StepID, sr.Step), "by position": content.LegacyRef("", 1)} {
		card := dialogs.ReminderCard(after, "manager-colleague", ref)
		if _, ok := gMsg(card, "playbook.manager-colleague.agree.title"); !ok {
			t.Fatalf("reminder %s does not name agree: %v", name, card.MsgIDs())
		}
		if c := gOnly(t, byPos.click(gAction(t, card, "remind.card.step"))); c.Name != want {
			t.Fatalf("reminder %s opened %s", name, c.Name)
		}
	}

	// Buttons of cards sent before the edit: by id (the "next" above) and
	// by position (an earlier version's "next" from clarify was ":1").
	for _, btn := range []map[string]string{stale, dialogs.Submit(dialogs.VerbGuideStep, "manager-colleague:1")} {
		if c := gOnly(t, byID.click(btn)); c.Name != want {
			t.Fatalf("old button %v opened %s", btn, c.Name)
		}
	}
	// Without the frozen positions the position would name the inserted
	// step: the fixture proves something.
	if c := gOnly(t, newGSess(t, "da-DK", dialogs.Config{Content: after}).click(dialogs.Submit(dialogs.VerbGuideStep, "manager-colleague:1"))); c.Name != want {
		t.Fatalf("position 1 opened %s", c.Name)
	}
	if p, _ := after.Playbook("manager-colleague"); p.Steps[1].ID != "options" {
		t.Fatal("fixture: the inserted step is not at position 1")
	}
}

// A step removed since: its progress, reminders and buttons fall back to
// the playbook's first step or to where the user is, never to an error.
func TestRemovedStepFallsBack(t *testing.T) {
	s := newGSess(t, "da-DK", dialogs.Config{Content: fixtureLib(t, "after")})
	s.p.Guides = map[string]*dialogs.GuideProgress{"manager-colleague": {StepID: "gone"}}
	if c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuide, "manager-colleague"))); c.Name != "step:manager-colleague:clarify" {
		t.Fatalf("removed step reopened at %s", c.Name)
	}
	if c := gOnly(t, s.click(dialogs.Submit(dialogs.VerbGuideStep, "manager-colleague:gone"))); c.Name != "step:manager-colleague:clarify" {
		t.Fatalf("button to a removed step opened %s", c.Name)
	}
	card := dialogs.ReminderCard(fixtureLib(t, "after"), "manager-colleague", "gone")
	if !gHasAction(card, dialogs.VerbGuide, "manager-colleague") {
		t.Fatalf("reminder for a removed step has no way in: %v", card.MsgIDs())
	}
}
