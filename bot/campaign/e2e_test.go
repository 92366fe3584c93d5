package campaign_test

import (
	"context"
	"slices"
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
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/locales"
)

// submitData finds the submit data of the action titled title in a card.
func submitData(t *testing.T, card map[string]any, title string) map[string]any {
	t.Helper()
	for _, el := range bottest.Elements(card) {
		if d, ok := el["data"].(map[string]any); ok && el["type"] == "Action.Submit" && el["title"] == title {
			return d
		}
	}
	t.Fatalf("no action %q in %s", title, bottest.CardText(card))
	return nil
}

// waitFor returns the first card sent from index from on whose text
// contains want, and the index after it.
func waitFor(t *testing.T, h *bottest.Harness, from int, want string) (map[string]any, int) {
	t.Helper()
	at := -1
	sent, ok := h.Conn.Until(5*time.Second, func(sent []bottest.Sent) bool {
		for i := from; i < len(sent); i++ {
			if sent[i].Method != "POST" {
				continue
			}
			if c := bottest.CardOf(t, sent[i]); strings.Contains(bottest.CardText(c), want) {
				at = i
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no card with %q", want)
	}
	return bottest.CardOf(t, sent[at]), at + 1
}

// An AMK admin composes a campaign in Teams, it is scheduled, sent, the
// recipient acknowledges it, and the author's progress card follows.
func TestAuthoredInTeamsSentAndAcknowledged(t *testing.T) {
	var svc *campaign.Service
	h := bottest.New(t, bottest.Options{Local: true, Engine: dialogs.Config{Admins: []string{"aad-0000-secret"}},
		Effects: func(h *bottest.Harness) []effect.Func {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			svc = campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
				Conn: conn, Consumer: "e2e", Poll: 10 * time.Millisecond, ProgressEvery: time.Millisecond})
			return []effect.Func{svc.Effect()}
		},
		CommitHooks: func(*bottest.Harness) []effect.CommitHook { return []effect.CommitHook{svc.CommitOps} }})
	ctx := context.Background()
	rdb := h.Store.Client()

	inst := h.Activity(schema.InstallationUpdate, "i1")
	inst.Action = "add"
	h.MustPost(inst)
	n := len(h.Conn.Wait(t, 1))
	// The sealed Entra id is kept for the export, never in the clear.
	if v := rdb.HGet(ctx, h.Store.Key("user", h.Bot.UserKey("aad-0000-secret")), "aad").Val(); v == "" || strings.Contains(v, "secret") {
		t.Fatalf("aad field %q", v)
	}

	h.MustPost(h.Message("m1", "kampagne"))
	form, n := waitFor(t, h, n, "Forhåndsvis")
	vals := submitData(t, form, "Forhåndsvis")
	for k, v := range map[string]any{"c_tda": "Trin 2", "c_xda": "Husk fristen", "c_ten": "Step 2", "c_xen": "Remember the deadline", "c_aud": "all", "c_ack": "true"} {
		vals[k] = v
	}
	h.MustPost(h.Submit("m2", vals))
	preview, n := waitFor(t, h, n, "Remember the deadline")
	if txt := bottest.CardText(preview); !strings.Contains(txt, "Husk fristen") {
		t.Fatalf("preview: %s", txt)
	}
	h.MustPost(h.Submit("m3", submitData(t, preview, "Planlæg")))
	_, n = waitFor(t, h, n, "planlagt")

	// The scheduler starts it; the workers send it.
	runner := &schedule.Runner{Store: h.Store, Handlers: map[string]schedule.Handler{campaign.KindStart: svc.HandleStart}}
	if got := runner.Tick(ctx); got != 1 {
		t.Fatalf("scheduler ran %d items", got)
	}
	ids := rdb.ZRange(ctx, h.Store.Key("campaign", "index"), 0, -1).Val()
	if len(ids) != 1 {
		t.Fatalf("campaigns %v", ids)
	}
	id := ids[0]
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(runCtx) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, _ := svc.Progress(ctx, id)
		if p.State == campaign.StateDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %+v", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	// The campaign message, and the author's progress card sent and updated.
	msg, _ := waitFor(t, h, n, "Husk fristen")
	_, n = waitFor(t, h, n, "Kampagne: Trin 2")
	if _, ok := h.Conn.Until(5*time.Second, func(sent []bottest.Sent) bool {
		return slices.ContainsFunc(sent, func(s bottest.Sent) bool { return s.Method == "PUT" })
	}); !ok {
		t.Fatal("progress card never updated")
	}
	n = len(h.Conn.Settle(0))

	// The recipient presses "I have done it".
	h.MustPost(h.Submit("m4", submitData(t, msg, "Det har jeg gjort")))
	waitFor(t, h, n, "noteret")
	p, _ := svc.Progress(ctx, id)
	if p.Sent != 1 || p.Acknowledged != 1 {
		t.Fatalf("progress %+v", p)
	}
	rows, _ := svc.Rows(ctx, id)
	if len(rows) != 1 || rows[0].AadID != "aad-0000-secret" || !rows[0].Acknowledged {
		t.Fatalf("rows %+v", rows)
	}
	// Nothing identifying in Redis after all this.
	for k, v := range redistest.Dump(ctx, t, rdb, h.Prefix) {
		for _, secret := range []string{"aad-0000-secret", "29:user-secret-id", "a:conv-secret-id", "tenant-secret-id", "Karen"} {
			if strings.Contains(k+v, secret) {
				t.Fatalf("%q in %s", secret, k)
			}
		}
	}
}

func TestChannelInstallKeepsSealedTeamReference(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true, CommitHooks: func(h *bottest.Harness) []effect.CommitHook {
		svc := campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle())})
		return []effect.CommitHook{svc.CommitOps}
	}})
	ctx := context.Background()
	a := h.Activity(schema.ConversationUpdate, "cu1")
	a.Conversation = schema.ConversationAccount{ID: "19:chan-secret@thread.tacv2", ConversationType: "channel", TenantID: "tenant-secret-id"}
	a.MembersAdded = []schema.ChannelAccount{{ID: "28:bot"}}
	h.MustPost(a)
	h.Conn.Wait(t, 1)
	rdb := h.Store.Client()
	members := rdb.SMembers(ctx, h.Store.Key("teams")).Val()
	if len(members) != 1 {
		t.Fatalf("teams %v", members)
	}
	if v := rdb.HGet(ctx, h.Store.Key("team", members[0]), "ref").Val(); v == "" || strings.Contains(v, "chan-secret") {
		t.Fatalf("team ref %q", v)
	}
}
