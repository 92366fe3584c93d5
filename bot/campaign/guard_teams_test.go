package campaign_test

import (
	"context"
	"strings"
	"sync"
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

// waitDone runs the service until campaign id is done.
func waitDone(t *testing.T, svc *campaign.Service, id string) campaign.Progress {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		p, _ := svc.Progress(context.Background(), id)
		if p.State == campaign.StateDone {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %+v", p)
		}
	}
}

// Through the webhook: admin A composes a campaign to everyone (3 users,
// over the approval limit of 1); the preview says it needs a second
// admin; scheduled, it waits; admin B gets the approval card; A cannot
// approve it; B does; it is sent, its progress names both; A recalls it
// from the progress card after confirming, and every message is deleted.
func TestApprovalAndRecallInTeams(t *testing.T) {
	const adminB = "aad-admin-b"
	var svc *campaign.Service
	h := bottest.New(t, bottest.Options{Local: true, Engine: dialogs.Config{Admins: []string{"aad-0000-secret", adminB}},
		Effects: func(h *bottest.Harness) []effect.Func {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			svc = campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
				Conn: conn, Consumer: "guard", Poll: 10 * time.Millisecond, ProgressEvery: time.Millisecond,
				Admins: []string{"aad-0000-secret", adminB}, ApprovalOver: 1})
			return []effect.Func{svc.Effect()}
		}})
	ctx := context.Background()
	as := func(a schema.Activity, aad, name string) schema.Activity {
		a.From = schema.ChannelAccount{ID: "29:" + aad, Name: name, AadObjectID: aad}
		a.Conversation.ID = "a:conv-" + aad
		return a
	}
	n := 0
	for i, u := range [][2]string{{"aad-0000-secret", "Karen Hansen"}, {adminB, "Birte Berg"}, {"aad-colleague", "Ole"}} {
		inst := h.Activity(schema.InstallationUpdate, "i"+string(rune('0'+i)))
		inst.Action = "add"
		h.MustPost(as(inst, u[0], u[1]))
		n = len(h.Conn.Wait(t, 2*(i+1)))
	}
	preview, n := previewToAll(t, h, n)
	_, n = waitFor(t, h, n, "Kampagnen går til 3 modtagere. Over 1 skal en anden administrator godkende den")
	h.MustPost(h.Submit("m3", submitData(t, preview, "Planlæg")))
	_, after := waitFor(t, h, n, "ikke planlagt")
	approval, _ := waitFor(t, h, n, "Godkend kampagnen: Trin 2")
	if txt := bottest.CardText(approval); !strings.Contains(txt, "Karen Hansen") || !strings.Contains(txt, "Husk fristen") {
		t.Fatalf("approval card: %s", txt)
	}
	for _, s := range h.Conn.Settle(5 * time.Millisecond)[n:] {
		if s.Method == "POST" && strings.Contains(bottest.CardText(bottest.CardOf(t, s)), "Godkend kampagnen") && !strings.Contains(s.Path, "conv-"+adminB) {
			t.Fatalf("approval card sent to %s", s.Path)
		}
	}
	n = after
	runner := &schedule.Runner{Store: h.Store, Handlers: map[string]schedule.Handler{campaign.KindStart: svc.HandleStart}}
	if got := runner.Tick(ctx); got != 0 {
		t.Fatalf("scheduler ran %d items before approval", got)
	}
	yes := submitData(t, approval, "Godkend og planlæg")
	// The author cannot approve it.
	h.MustPost(h.Submit("m4", yes))
	_, n = waitFor(t, h, n, "Du kan ikke godkende din egen kampagne")
	h.MustPost(as(h.Submit("m5", yes), adminB, "Birte Berg"))
	_, _ = waitFor(t, h, n, "godkendt og planlagt")
	_, n = waitFor(t, h, n, "er godkendt af Birte Berg")
	if got := runner.Tick(ctx); got != 1 {
		t.Fatalf("scheduler ran %d items after approval", got)
	}
	id := yes["v"]
	if s, ok := id.(string); !ok || !dialogs.ValidCampaignID(s) {
		t.Fatalf("approve data %v", yes)
	}
	p := waitDone(t, svc, id.(string))
	if p.Sent != 3 || p.Author != "Karen Hansen" || p.Approver != "Birte Berg" {
		t.Fatalf("progress %+v", p)
	}
	// Recall from the progress card, with a confirmation.
	n = len(h.Conn.Settle(20 * time.Millisecond))
	h.MustPost(h.Submit("m6", map[string]any{"a": dialogs.VerbCampaignStatus, "v": id}))
	status, n := waitFor(t, h, n, "Godkendt af")
	h.MustPost(h.Submit("m7", submitData(t, status, "Tilbagekald")))
	confirm, n := waitFor(t, h, n, "Tilbagekald kampagnen?")
	h.MustPost(h.Submit("m8", submitData(t, confirm, "Ja, tilbagekald")))
	_, n = waitFor(t, h, n, "Tilbagekaldelsen er i gang")
	var runs int
	for deadline := time.Now().Add(5 * time.Second); runs == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		runs = runner.Tick(ctx)
	}
	if runs != 1 {
		t.Fatal("the recall run was never scheduled")
	}
	list, _ := svc.List(ctx, 10)
	var rec string
	for _, c := range list {
		if c.Op == dialogs.CampaignRecall && c.Of == id {
			rec = c.ID
		}
	}
	if rec == "" {
		t.Fatalf("no recall run in %+v", list)
	}
	if p := waitDone(t, svc, rec); p.Sent != 3 || p.Failed != 0 {
		t.Fatalf("recall %+v", p)
	}
	deletes := 0
	for _, s := range h.Conn.Settle(5 * time.Millisecond) {
		if s.Method == "DELETE" {
			deletes++
		}
	}
	if deletes != 3 {
		t.Fatalf("%d messages deleted", deletes)
	}
	_ = n
}

// An admin limited to managers previews a campaign to everyone: the
// preview says so in Danish, and scheduling it stores nothing.
func TestOutOfScopeAudienceRefusedInTeams(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true, Engine: dialogs.Config{Admins: []string{"aad-0000-secret"}},
		Effects: func(h *bottest.Harness) []effect.Func {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			sc, _ := campaign.ParseScopes("aad-0000-secret=role:manager")
			svc := campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
				Conn: conn, Consumer: "scope", Scopes: sc})
			return []effect.Func{svc.Effect()}
		}})
	preview, n := previewToAll(t, h, 0)
	_, n = waitFor(t, h, n, "Du må ikke sende kampagner til den modtagergruppe")
	h.MustPost(h.Submit("m3", submitData(t, preview, "Planlæg")))
	waitFor(t, h, n, "Du må ikke sende kampagner til den modtagergruppe")
	if c := h.Store.Client().ZCard(context.Background(), h.Store.Key("campaign", "index")).Val(); c != 0 {
		t.Fatalf("%d campaigns stored", c)
	}
}

// previewToAll composes the same campaign to everyone in Teams (the
// command, the form filled in, "Forhåndsvis") and returns the preview
// card and the send count to wait from.
func previewToAll(t *testing.T, h *bottest.Harness, from int) (map[string]any, int) {
	t.Helper()
	h.MustPost(h.Message("m1", "kampagne"))
	form, n := waitFor(t, h, from, "Forhåndsvis")
	vals := submitData(t, form, "Forhåndsvis")
	for k, v := range map[string]any{"c_tda": "Trin 2", "c_xda": "Husk fristen", "c_ten": "Step 2", "c_xen": "Remember the deadline", "c_aud": "all"} {
		vals[k] = v
	}
	h.MustPost(h.Submit("m2", vals))
	preview, _ := waitFor(t, h, n, "Remember the deadline")
	return preview, n
}
