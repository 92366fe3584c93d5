package campaign_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
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
	var h *bottest.Harness
	fg := &fakegraph.Server{AppID: teamsAppID,
		Groups:    map[string]fakegraph.Group{groupAll: {Name: "Alle", Members: []string{u(1), u(2), u(3), u(4), u(5), u(6)}}},
		Installed: map[string]bool{u(4): true}, Refused: map[string]bool{u(5): true},
		// Teams tells the bot, which stores the 1:1 reference (and welcomes).
		OnInstall: func(id string) { h.MustPost(installActivity(h, id, "add")) },
	}
	h, svc, a := installStack(t, fg, static, nil)

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
	p := waitDone(t, svc, created.ID)
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

// installStack is the real stack for proactive installation: the webhook
// (bottest), a campaign service with Graph (the fake fg, started here) as
// directory and installer, and the admin API with the static token.
func installStack(t *testing.T, fg *fakegraph.Server, static string, mod func(h *bottest.Harness, c *campaign.Config)) (*bottest.Harness, *campaign.Service, *apiEnv) {
	t.Helper()
	fakegraph.Start(fg)
	t.Cleanup(fg.Close)
	gc, err := graph.New(graph.Config{BaseURL: fg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	var svc *campaign.Service
	h := bottest.New(t, bottest.Options{Local: true, Effects: func(h *bottest.Harness) []effect.Func {
		conn, _ := connector.New(connector.Config{MaxRetries: -1})
		cfg := campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()),
			Conn: conn, Consumer: "inst", Poll: 10 * time.Millisecond, Directory: gc,
			Installer: graph.Installer{Client: gc, AppID: teamsAppID}, InstallWait: 50 * time.Millisecond, MaxAttempts: 4}
		if mod != nil {
			mod(h, &cfg)
		}
		svc = campaign.New(cfg)
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
	return h, svc, &apiEnv{env: &env{t: t}, srv: api, svc: svc}
}

// After Graph answers 409 (the app is installed for the user) and the bot
// has no reference, it asks Graph for the 1:1 chat between the user and
// the app (installedApps?$expand=teamsApp&$filter=teamsApp/id eq '…', then
// installedApps/{id}/chat) and delivers there at once, in Danish, counted
// "already installed"; a recall reaches that chat again. A user with the
// app whose chat Graph does not name waits and ends "noreference".
// Through the webhook (u1's reference), the admin API, the fake Graph and
// the fake connector.
func TestAlreadyInstalledIsDeliveredThroughTheChatGraphNames(t *testing.T) {
	const static = "local-static-token-123"
	u := func(i int) string { return aadN(i) }
	fg := &fakegraph.Server{AppID: teamsAppID,
		Groups:    map[string]fakegraph.Group{groupAll: {Name: "Alle", Members: []string{u(1), u(2), u(3)}}},
		Installed: map[string]bool{u(2): true, u(3): true},
		Chats:     map[string]string{u(2): "a:graph-chat-u2"}, // u3 has the app but no chat yet
	}
	h, svc, a := installStack(t, fg, static, func(h *bottest.Harness, c *campaign.Config) {
		c.ServiceURL, c.BotID = h.Conn.Srv.URL+"/", "28:bot"
	})
	h.MustPost(installActivity(h, u(1), "add"))
	n := len(h.Conn.Wait(t, 2)) // u1's welcome

	sp := apiSpec()
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: groupAll}
	created := a.createAndStart(static, sp)
	p := waitDone(t, svc, created.ID)
	if p.Total != 3 || p.Sent != 2 || p.NotInstalled != 1 || p.AlreadyInstalled != 2 || p.InstalledNow != 0 {
		t.Fatalf("progress %+v", p)
	}
	if fg.Installs() != 0 || fg.ChatLookups() == 0 {
		t.Fatalf("installs %d, chat look-ups %d", fg.Installs(), fg.ChatLookups())
	}
	sent := map[string]int{}
	for _, s := range h.Conn.Settle(20 * time.Millisecond)[n:] {
		if s.Method == "POST" && strings.Contains(bottest.CardText(bottest.CardOf(t, s)), "Husk fristen") {
			sent[s.Path]++
			if s.Activity.Conversation.ID == "a:graph-chat-u2" && (s.Activity.Locale != string(dialogs.Danish) || s.Activity.From.ID != "28:bot") {
				t.Fatalf("message to the Graph chat: locale %q from %q", s.Activity.Locale, s.Activity.From.ID)
			}
		}
	}
	if len(sent) != 2 || sent["/v3/conversations/a:"+u(1)+"/activities"] != 1 || sent["/v3/conversations/a:graph-chat-u2/activities"] != 1 {
		t.Fatalf("campaign sent to %v", sent)
	}
	code, body := a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID+"/recipients.csv", static, nil)
	rows, _ := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	want := map[string]string{u(1): "sent,,", u(2): "sent,,already", u(3): "notinstalled,noreference,already"}
	if code != 200 || len(rows) != 4 {
		t.Fatalf("csv %d %q", code, body)
	}
	for _, r := range rows[1:] {
		if got := r[1] + "," + r[3] + "," + r[5]; got != want[r[0]] {
			t.Errorf("csv %s: %s, want %s", r[0], got, want[r[0]])
		}
	}

	// Recalled: the message in the Graph chat is deleted too.
	code, out := a.do(http.MethodPost, "/api/admin/campaigns/"+created.ID+"/recall", static, nil)
	var rec struct{ ID string }
	_ = json.Unmarshal(out, &rec)
	if code != http.StatusCreated {
		t.Fatalf("recall: %d %s", code, out)
	}
	if err := svc.Start(t.Context(), rec.ID); err != nil {
		t.Fatal(err)
	}
	if p := waitDone(t, svc, rec.ID); p.Total != 2 || p.Sent != 2 || p.Failed != 0 {
		t.Fatalf("recall %+v", p)
	}
	deleted := map[string]bool{}
	for _, s := range h.Conn.Settle(20 * time.Millisecond) {
		if s.Method == "DELETE" {
			deleted[s.Path] = true
		}
	}
	if !deleted["/v3/conversations/a:graph-chat-u2/activities/bot-act-1"] || len(deleted) != 2 {
		t.Fatalf("deleted %v", deleted)
	}
	for k, v := range redistest.Dump(t.Context(), t, h.Store.Client(), h.Prefix) {
		if strings.Contains(k+v, "graph-chat-u2") || strings.Contains(k+v, u(2)) {
			t.Fatalf("raw id in %s", k)
		}
	}
}
