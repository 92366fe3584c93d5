package campaign_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/bot/graph/fakegraph"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/locales"
)

const teamsAppID = "f0f0f0f0-0000-4000-8000-00000000a99a"

// installActivity is Teams' installationUpdate for a user's personal scope.
func installActivity(h *bottest.Harness, aad, action string) schema.Activity {
	a := h.Activity(schema.InstallationUpdate, "inst-"+action+"-"+aad)
	a.Action = action
	a.From.AadObjectID, a.From.ID = aad, "29:"+aad
	a.Conversation.ID = "a:" + aad
	return a
}

// Proactive installation through the real stack: the webhook (Teams'
// installationUpdate after Graph installed the app), the admin API, a fake
// Graph (group members, installedApps: 201, 409, 403) and the connector.
// A user who removed the app is never reinstalled. Every outcome is in the
// counts and the CSV.
func TestProactiveInstallationForGroupMembers(t *testing.T) {
	const static = "local-static-token-123"
	u := func(i int) string { return aadN(i) }
	var svc *campaign.Service
	var h *bottest.Harness
	fg := &fakegraph.Server{AppID: teamsAppID,
		Groups:    map[string]fakegraph.Group{groupAll: {Name: "Alle", Members: []string{u(1), u(2), u(3), u(4), u(5), u(6)}}},
		Installed: map[string]bool{u(4): true}, Refused: map[string]bool{u(5): true},
		// Teams tells the bot, which stores the 1:1 reference (and welcomes).
		OnInstall: func(id string) { h.MustPost(installActivity(h, id, "add")) },
	}
	fakegraph.Start(fg)
	t.Cleanup(fg.Close)
	gc, err := graph.New(graph.Config{BaseURL: fg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	h = bottest.New(t, bottest.Options{Local: true, Effects: func(h *bottest.Harness) []effect.Func {
		conn, _ := connector.New(connector.Config{MaxRetries: -1})
		svc = campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
			Conn: conn, Consumer: "inst", Poll: 10 * time.Millisecond, Directory: gc,
			Installer: graph.Installer{Client: gc, AppID: teamsAppID}, InstallWait: 50 * time.Millisecond, MaxAttempts: 4})
		return []effect.Func{svc.Effect()}
	}, CommitHooks: func(*bottest.Harness) []effect.CommitHook { return []effect.CommitHook{svc.CommitOps} }})
	auth, err := admin.NewAuthenticator(admin.AuthConfig{StaticToken: static})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	svc.Routes(auth)(r)
	api := httptest.NewServer(r)
	t.Cleanup(api.Close)
	a := &apiEnv{env: &env{t: t}, srv: api, svc: svc}

	// u1 has the bot; u6 had it and removed it.
	h.MustPost(installActivity(h, u(1), "add"))
	h.MustPost(installActivity(h, u(6), "add"))
	h.MustPost(installActivity(h, u(6), "remove"))
	ctx := context.Background()
	if ok, _ := h.Store.Client().SIsMember(ctx, h.Store.UninstalledKey(), h.Bot.UserKey(u(6))).Result(); !ok {
		t.Fatal("removal not recorded")
	}

	sp := apiSpec()
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: groupAll}
	created := a.createAndStart(static, sp)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(runCtx) })
	var p campaign.Progress
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if p, _ = svc.Progress(ctx, created.ID); p.State == campaign.StateDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %+v", p)
		}
	}
	cancel()
	wg.Wait()
	if p.Total != 6 || p.Sent != 3 || p.NotInstalled != 3 || p.InstalledNow != 2 || p.AlreadyInstalled != 1 || p.InstallRefused != 1 || p.InstallDeclined != 1 {
		t.Fatalf("progress %+v", p)
	}
	got := map[string]int{}
	for _, s := range h.Conn.Settle(20 * time.Millisecond) {
		if s.Method == "POST" && strings.Contains(bottest.CardText(bottest.CardOf(t, s)), "Husk fristen") {
			got[s.Activity.Conversation.ID]++
		}
	}
	for _, i := range []int{1, 2, 3} {
		if got["a:"+u(i)] != 1 {
			t.Fatalf("user %d got the campaign %d times (%v)", i, got["a:"+u(i)], got)
		}
	}
	if len(got) != 3 {
		t.Fatalf("campaign sent to %v", got)
	}
	fg.Mu.Lock()
	reinstalled := fg.Installed[u(6)]
	fg.Mu.Unlock()
	if reinstalled || fg.Installs() != 2 {
		t.Fatalf("installs %d, u6 reinstalled %v", fg.Installs(), reinstalled)
	}
	code, body := a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID+"/recipients.csv", static, nil)
	rows, _ := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	want := map[string]string{u(1): "sent,", u(2): "sent,installed", u(3): "sent,installed", u(4): "notinstalled,already",
		u(5): "notinstalled,refused 403 Forbidden", u(6): "notinstalled,declined"}
	if code != 200 || len(rows) != 7 {
		t.Fatalf("csv %d %q", code, body)
	}
	for _, r := range rows[1:] {
		if w := want[r[0]]; r[1]+","+r[5] != w {
			t.Errorf("csv %s: %s,%s (code %q), want %s", r[0], r[1], r[5], r[3], w)
		}
	}
	for k, v := range redistest.Dump(ctx, t, h.Store.Client(), h.Prefix) {
		if strings.Contains(k+v, u(6)) || strings.Contains(k+v, u(2)) {
			t.Fatalf("raw id in %s", k)
		}
	}
}
