package campaign_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/locales"
)

// teamsCampaign is a campaign service behind the webhook (bottest) whose
// admin is the harness's user, with three users who have the bot: the
// admin and two colleagues. It returns the harness, the service, a
// scheduler runner and the send count to wait from.
func teamsCampaign(t *testing.T) (*bottest.Harness, *campaign.Service, *schedule.Runner, int) {
	t.Helper()
	var svc *campaign.Service
	h := bottest.New(t, bottest.Options{Local: true, Engine: dialogs.Config{Admins: []string{"aad-0000-secret"}},
		Effects: func(h *bottest.Harness) []effect.Func {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			svc = campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
				Conn: conn, Consumer: "rework", Poll: 10 * time.Millisecond, ProgressEvery: time.Millisecond,
				Admins: []string{"aad-0000-secret"}, ApprovalOver: -1})
			return []effect.Func{svc.Effect()}
		}, CommitHooks: func(*bottest.Harness) []effect.CommitHook { return []effect.CommitHook{svc.CommitOps} }})
	n := 0
	for i, aad := range []string{"aad-0000-secret", "aad-colleague-1", "aad-colleague-2"} {
		inst := h.Activity(schema.InstallationUpdate, "i"+string(rune('0'+i)))
		inst.Action = "add"
		if i > 0 { // the admin is the harness's own user
			inst.From = schema.ChannelAccount{ID: "29:" + aad, Name: "User " + aad, AadObjectID: aad}
			inst.Conversation.ID = "a:conv-" + aad
		}
		h.MustPost(inst)
		n = len(h.Conn.Wait(t, 2*(i+1))) // the welcome is two cards
	}
	return h, svc, &schedule.Runner{Store: h.Store, Handlers: map[string]schedule.Handler{campaign.KindStart: svc.HandleStart}}, n
}

// sendToAll composes and schedules a campaign to everyone through the
// webhook, runs it, and returns its id, the send count after it and its
// progress.
func sendToAll(t *testing.T, h *bottest.Harness, svc *campaign.Service, runner *schedule.Runner, n int) (string, int, campaign.Progress) {
	t.Helper()
	preview, n := previewToAll(t, h, n)
	h.MustPost(h.Submit("m3", submitData(t, preview, "Planlæg")))
	_, n = waitFor(t, h, n, "planlagt")
	if got := runner.Tick(context.Background()); got != 1 {
		t.Fatalf("scheduler ran %d items", got)
	}
	list, _ := svc.List(context.Background(), 10)
	if len(list) != 1 {
		t.Fatalf("campaigns %+v", list)
	}
	id := list[0].ID
	p := waitDone(t, svc, id)
	return id, len(h.Conn.Settle(20 * time.Millisecond)), p
}

// reworkRun ticks the scheduler until the recall or correction run of
// campaign of is started, and returns it when it is done.
func reworkRun(t *testing.T, svc *campaign.Service, runner *schedule.Runner, op, of string) campaign.Progress {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); runner.Tick(context.Background()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the %s run was never scheduled", op)
		}
	}
	list, _ := svc.List(context.Background(), 10)
	for _, c := range list {
		if c.Op == op && c.Of == of {
			return waitDone(t, svc, c.ID)
		}
	}
	t.Fatalf("no %s run in %+v", op, list)
	return campaign.Progress{}
}

// Through the webhook: an admin corrects a sent campaign from its
// progress card (the form filled with the current texts, the new texts,
// the confirmation) and every recipient's message is replaced in place:
// one PUT to the very message each got, in their language, no new post;
// the correction's counts say 3 of 3.
func TestCorrectInTeamsUpdatesEveryMessageInPlace(t *testing.T) {
	h, svc, runner, n := teamsCampaign(t)
	id, n, p := sendToAll(t, h, svc, runner, n)
	if p.Sent != 3 || p.Total != 3 {
		t.Fatalf("sent %+v", p)
	}
	// The message each recipient got, and its activity id (the fake
	// connector's answer).
	sentTo := map[string]string{}
	for _, s := range h.Conn.Settle(0) {
		if s.Method == "POST" && strings.Contains(bottest.CardText(bottest.CardOf(t, s)), "Husk fristen") {
			sentTo[s.Path] = s.Activity.Conversation.ID
		}
	}
	if len(sentTo) != 3 {
		t.Fatalf("the campaign went to %v", sentTo)
	}

	h.MustPost(h.Submit("m6", map[string]any{"a": dialogs.VerbCampaignStatus, "v": id}))
	status, n := waitFor(t, h, n, "Kampagne: Trin 2")
	h.MustPost(h.Submit("m7", submitData(t, status, "Ret teksten")))
	form, n := waitFor(t, h, n, "Ret kampagnens tekst")
	vals := submitData(t, form, "Vis rettelsen")
	// The form holds the current texts.
	if txt := bottest.CardText(form); !strings.Contains(txt, "Husk fristen") || !strings.Contains(txt, "Remember the deadline") {
		t.Fatalf("correction form: %s", txt)
	}
	for k, v := range map[string]any{"c_tda": "Trin 2 (rettet)", "c_xda": "Fristen er flyttet til fredag", "c_ten": "Step 2 (corrected)", "c_xen": "The deadline is now Friday"} {
		vals[k] = v
	}
	h.MustPost(h.Submit("m8", vals))
	confirm, n := waitFor(t, h, n, "Erstat beskeden hos alle modtagere med denne tekst?")
	if txt := bottest.CardText(confirm); !strings.Contains(txt, "Fristen er flyttet til fredag") || !strings.Contains(txt, "The deadline is now Friday") {
		t.Fatalf("confirmation: %s", txt)
	}
	// Nothing is changed before the confirmation.
	for _, s := range h.Conn.Settle(20 * time.Millisecond) {
		if s.Method == "PUT" && strings.Contains(bottest.CardText(bottest.CardOf(t, s)), "fredag") {
			t.Fatalf("replaced before the confirmation: %s", s.Path)
		}
	}
	h.MustPost(h.Submit("m9", submitData(t, confirm, "Ja, erstat beskeden")))
	_, n = waitFor(t, h, n, "Rettelsen er i gang")

	fix := reworkRun(t, svc, runner, dialogs.CampaignCorrect, id)
	if fix.Total != 3 || fix.Sent != 3 || fix.Failed != 0 || fix.Unreachable != 0 {
		t.Fatalf("correction %+v", fix)
	}
	updated := map[string]int{}
	for _, s := range h.Conn.Settle(20 * time.Millisecond)[n:] {
		txt := ""
		if len(s.Activity.Attachments) == 1 {
			txt = bottest.CardText(bottest.CardOf(t, s))
		}
		switch {
		case s.Method == "POST" && (strings.Contains(txt, "fredag") || strings.Contains(txt, "Friday")):
			t.Fatalf("the correction was posted as a new message to %s", s.Path)
		case s.Method == "PUT" && strings.Contains(txt, "Fristen er flyttet til fredag"):
			// The very message sent before: its conversation and activity id.
			if _, ok := sentTo[strings.TrimSuffix(s.Path, "/bot-act-1")]; !ok || !strings.HasSuffix(s.Path, "/bot-act-1") {
				t.Fatalf("PUT to %s, which is no campaign message sent", s.Path)
			}
			if strings.Contains(txt, "Husk fristen") || s.Activity.ID != "bot-act-1" {
				t.Fatalf("PUT %s: id %q, %s", s.Path, s.Activity.ID, txt)
			}
			updated[s.Path]++
		case s.Method == "PUT" && strings.Contains(txt, "The deadline is now Friday"):
			t.Fatalf("a Danish recipient got the English correction: %s", s.Path)
		}
	}
	if len(updated) != 3 {
		t.Fatalf("updated in place: %v", updated)
	}
	for path, c := range updated {
		if c != 1 {
			t.Fatalf("%s updated %d times", path, c)
		}
	}
}

// A chat whose Bot Connector cannot delete a message (it answers 501 Not
// Implemented, as the Agents Playground does) gets it replaced in place
// with the "recalled" note instead: the recall counts it as done, code
// "replaced", and the text is gone.
func TestRecallReplacesWhereTheChatCannotDelete(t *testing.T) {
	h, svc, runner, n := teamsCampaign(t)
	id, n, p := sendToAll(t, h, svc, runner, n)
	if p.Sent != 3 {
		t.Fatalf("sent %+v", p)
	}
	h.MustPost(h.Submit("m6", map[string]any{"a": dialogs.VerbCampaignStatus, "v": id}))
	status, n := waitFor(t, h, n, "Kampagne: Trin 2")
	h.MustPost(h.Submit("m7", submitData(t, status, "Tilbagekald")))
	confirm, n := waitFor(t, h, n, "Tilbagekald kampagnen?")
	h.MustPost(h.Submit("m8", submitData(t, confirm, "Ja, tilbagekald")))
	_, n = waitFor(t, h, n, "Tilbagekaldelsen er i gang")
	// The next three requests, the recall's DELETEs, answer 501.
	h.Conn.Mu.Lock()
	h.Conn.Fail = []int{http.StatusNotImplemented, http.StatusNotImplemented, http.StatusNotImplemented}
	h.Conn.FailMethod = http.MethodDelete
	h.Conn.Mu.Unlock()
	rec := reworkRun(t, svc, runner, dialogs.CampaignRecall, id)
	if rec.Total != 3 || rec.Sent != 3 || rec.Failed != 0 {
		t.Fatalf("recall %+v", rec)
	}
	puts := map[string]bool{}
	for _, s := range h.Conn.Settle(20 * time.Millisecond)[n:] {
		if s.Method == "PUT" && strings.HasSuffix(s.Path, "/activities/bot-act-1") {
			switch txt := bottest.CardText(bottest.CardOf(t, s)); {
			case strings.Contains(txt, "Husk fristen"):
				t.Fatalf("PUT %s still shows the text: %s", s.Path, txt)
			case strings.Contains(txt, "AMK har trukket denne besked tilbage"):
				puts[s.Path] = true
			} // (else the author's progress card)
		}
	}
	if len(puts) != 3 {
		t.Fatalf("replaced %v", puts)
	}
	rows, err := svc.Rows(context.Background(), rec.ID)
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %+v %v", rows, err)
	}
	for _, r := range rows {
		if r.Status != campaign.Sent || r.Code != "replaced" {
			t.Fatalf("row %+v", r)
		}
	}
}
