package bot_test

// Security review as tests (issue 8, part 6): the actions of the
// anonymous unit's case handlers and of AMK's campaign admins are checked
// server-side, on every click, against GRAENSEN_HANDLERS / GRAENSEN_ADMINS,
// whatever action data a client sends. Through the whole pipeline, so the
// identity checked is the one the activity carries (from.aadObjectId).

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/bottest"
)

const (
	authzHandler = "aad-handler-1"
	authzAdmin   = "aad-admin-1"
)

func authzHarness(t *testing.T) (*bottest.Harness, *catchAll) {
	ca := &catchAll{ids: map[string][]string{}}
	h := bottest.New(t, bottest.Options{Local: true,
		Engine:  dialogs.Config{Handlers: []string{authzHandler}, Admins: []string{authzAdmin}},
		Effects: func(*bottest.Harness) []effect.Func { return []effect.Func{ca.effect} }})
	return h, ca
}

// as sends a submit with data from aad in a channel (the unit's inbox
// lives in a channel) or a 1:1 chat, and returns the domain outputs the
// turn produced and its replies.
func as(t *testing.T, h *bottest.Harness, ca *catchAll, aad string, channel bool, data map[string]any) ([]string, []bottest.Sent) {
	t.Helper()
	id := fmt.Sprintf("authz-%d", time.Now().UnixNano())
	a := h.Submit(id, data)
	a.From = schema.ChannelAccount{ID: "29:" + aad, AadObjectID: aad}
	a.ReplyToID = "card-1"
	if channel {
		a.Conversation = schema.ConversationAccount{ID: "19:unit@thread.tacv2", ConversationType: "channel", IsGroup: true}
	}
	if code, err := postRaw(h.HTTP.URL, a); err != nil || code != http.StatusOK {
		t.Fatalf("%v: %d %v", data, code, err)
	}
	// The turn is committed when the webhook answers; Drain waits for
	// everything it delivers.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Bot.Drain(ctx); err != nil {
		t.Fatalf("%v: replies not delivered: %v", data, err)
	}
	ca.mu.Lock()
	outs := slices.Clone(ca.ids[id])
	ca.mu.Unlock()
	return outs, repliesTo(h, id)
}

// TestPrivilegedActionsAreCheckedServerSide: every handler and admin action,
// sent with forged data by someone else (a colleague, a user without an
// Entra id, a handler trying admin actions and the other way round), is
// refused with a card and no effect; the right person gets the effect, so
// the test would notice a check that refuses everyone.
func TestPrivilegedActionsAreCheckedServerSide(t *testing.T) {
	h, ca := authzHarness(t)
	const caseID, campaignID = "ABCD2345", "c0123456789abcdef"
	if !dialogs.ValidCaseID(caseID) || !dialogs.ValidCampaignID(campaignID) {
		t.Fatal("test ids are not valid ids")
	}
	actions := []struct {
		name    string
		who     string // who may
		channel bool
		data    map[string]any
		effect  string // the domain output it must cause for who
	}{
		{"register the inbox", authzHandler, true, map[string]any{"a": dialogs.VerbInbox}, "dialogs.RegisterInbox"},
		{"claim a case", authzHandler, true, map[string]any{"a": dialogs.VerbCaseClaim, "v": caseID}, "dialogs.CaseAction"},
		{"set a case status", authzHandler, true, map[string]any{"a": dialogs.VerbCaseStatus, "v": caseID, "status": "closed"}, "dialogs.CaseAction"},
		{"answer a reporter", authzHandler, true, map[string]any{"a": dialogs.VerbCaseReply, "v": caseID, "reply": "svar"}, "dialogs.CaseAction"},
		{"add a case note", authzHandler, true, map[string]any{"a": dialogs.VerbCaseNote, "v": caseID, "note": "note"}, "dialogs.CaseAction"},
		{"campaign progress", authzAdmin, false, map[string]any{"a": dialogs.VerbCampaignStatus, "v": campaignID}, "dialogs.CampaignStatus"},
		{"campaign follow-up", authzAdmin, false, map[string]any{"a": dialogs.VerbCampaignRemind, "v": campaignID}, "dialogs.CampaignRemind"},
	}
	intruders := map[string]string{"a colleague": "aad-colleague", "no entra id": "", "a handler": authzHandler, "an admin": authzAdmin,
		"the handler id with a suffix": authzHandler + "x", "the admin id in a list": authzAdmin + "," + authzHandler}
	for _, ac := range actions {
		t.Run(ac.name, func(t *testing.T) {
			for who, aad := range intruders {
				if aad == ac.who {
					continue
				}
				outs, replies := as(t, h, ca, aad, ac.channel, ac.data)
				if len(outs) != 0 {
					t.Errorf("%s: effect %v", who, outs)
				}
				if len(replies) == 0 || isApology(replies[0]) {
					t.Errorf("%s: not answered with a refusal card", who)
				}
			}
			if outs, _ := as(t, h, ca, ac.who, ac.channel, ac.data); !slices.Contains(outs, ac.effect) {
				t.Errorf("the %s itself: outputs %v, want %s", ac.who, outs, ac.effect)
			}
		})
	}
}

// TestCampaignFormCannotBeUsedByOthers: an admin opens the campaign form
// in a group chat; another member clicks its buttons (with the form's own
// tag) and gets nothing scheduled. The admin, with the same clicks, does.
func TestCampaignFormCannotBeUsedByOthers(t *testing.T) {
	h, ca := authzHarness(t)
	form := map[string]any{"c_tda": "Titel", "c_xda": "Tekst", "c_ten": "Title", "c_xen": "Text", "c_aud": dialogs.AudienceAll}
	// A colleague cannot even open it.
	if outs, replies := as(t, h, ca, "aad-colleague", true, map[string]any{"a": dialogs.VerbCampaign}); len(outs) != 0 || len(replies) != 1 || hasInputs(replies[0]) {
		t.Fatalf("colleague opening the form: outputs %v, %d replies (form shown: %v)", outs, len(replies), len(replies) == 1 && hasInputs(replies[0]))
	}
	_, replies := as(t, h, ca, authzAdmin, true, map[string]any{"a": dialogs.VerbCampaign})
	if len(replies) != 1 || !hasInputs(replies[0]) {
		t.Fatal("the admin got no form")
	}
	preview := submitWith(replies[0], "campaign-preview")
	if preview == nil {
		t.Fatal("no preview button on the form")
	}
	for k, v := range form {
		preview[k] = v
	}
	// The colleague clicks "preview" and "schedule" on the admin's form.
	for _, verb := range []string{"campaign-preview", "campaign-schedule"} {
		d := clone(preview)
		d["a"] = verb
		if outs, _ := as(t, h, ca, "aad-colleague", true, d); len(outs) != 0 {
			t.Fatalf("colleague's %s: %v", verb, outs)
		}
	}
	// The form was closed by the refusal; the admin starts again and
	// schedules (the positive control).
	_, replies = as(t, h, ca, authzAdmin, true, map[string]any{"a": dialogs.VerbCampaign})
	preview = submitWith(replies[0], "campaign-preview")
	for k, v := range form {
		preview[k] = v
	}
	_, replies = as(t, h, ca, authzAdmin, true, preview)
	sched := submitWith(replies[0], "campaign-schedule")
	if sched == nil {
		t.Fatalf("no schedule button on the preview: %s", bottest.CardText(bottest.CardOf(t, replies[0])))
	}
	if outs, _ := as(t, h, ca, authzAdmin, true, sched); !slices.Contains(outs, "dialogs.CampaignCreate") {
		t.Fatalf("admin's schedule: outputs %v", outs)
	}
}

func hasInputs(s bottest.Sent) bool {
	if len(s.Activity.Attachments) == 0 {
		return false
	}
	_, inputs := cardActions(s.Activity.Attachments[0].Content)
	return len(inputs) > 0
}

func submitWith(s bottest.Sent, verb string) map[string]any {
	if len(s.Activity.Attachments) == 0 {
		return nil
	}
	acts, _ := cardActions(s.Activity.Attachments[0].Content)
	for _, a := range acts {
		if a["a"] == verb {
			return clone(a)
		}
	}
	return nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
