package campaign_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/bot/graph/fakegraph"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

const (
	groupAll   = "aaaaaaaa-0000-4000-8000-000000000001"
	groupInner = "aaaaaaaa-0000-4000-8000-000000000002"
	groupNone  = "aaaaaaaa-0000-4000-8000-0000000000ff"
)

// A campaign to an Entra ID group of 10,000 users (a nested group among
// them), created through the admin API, expanded through a fake Graph that
// pages (999 a page) and throttles (429 + Retry-After), and sent through a
// fake connector with the tenant limit, per-conversation windows and
// random 429s: the members who have the bot get it once, the others are
// reported not installed, in the counts and the CSV.
func TestGroupAudienceThroughAdminAPIAndGraph(t *testing.T) {
	members := make([]string, 0, 10000)
	for i := 1; i <= 9990; i++ {
		members = append(members, aadN(i))
	}
	members = append(members, "group:"+groupInner)
	inner := make([]string, 0, 10)
	for i := 9991; i <= 10000; i++ {
		inner = append(inner, aadN(i))
	}
	fg := fakegraph.Start(&fakegraph.Server{Groups: map[string]fakegraph.Group{
		groupAll: {Name: "Alle medarbejdere", Members: members}, groupInner: {Name: "AMR", Members: append(inner, aadN(1))},
	}, ThrottleEvery: 4, RetryAfter: "0.05", Token: "graph-token"})
	t.Cleanup(fg.Close)
	gc, err := graph.New(graph.Config{BaseURL: fg.URL(), TenantID: tenant, ClientID: "bot-app", ClientSecret: "s", TokenURL: fg.URL() + "/token"})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeconn.Server{Rate: 50, P429: 0.05, RetryAfter: "0.2"}
	a := newAPIWith(t, "", fake, func(c *campaign.Config) { c.Directory = gc })
	installed := []int{1, 17, 999, 1000, 5000, 9995, 10000} // 9995 and 10000 via the nested group
	for _, i := range installed {
		a.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	tok := a.token(nil)

	sp := apiSpec()
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: groupNone}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp); code != 400 || !strings.Contains(string(body), "campaign.group.unknown") {
		t.Fatalf("unknown group: %d %s", code, body)
	}
	sp.Audience.Group = "not-a-group"
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp); code != 400 || !strings.Contains(string(body), "campaign.group.invalid") {
		t.Fatalf("bad group id: %d %s", code, body)
	}
	sp.Audience.Group = groupAll
	// 10,000 members: over the approval limit (1,000 by default), the
	// campaign waits for a second admin; its author cannot approve it.
	code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp)
	var created struct {
		ID, State  string
		Recipients int
	}
	_ = json.Unmarshal(body, &created)
	if code != http.StatusAccepted || created.State != campaign.StateApproval || created.Recipients != 10000 {
		t.Fatalf("create over the approval limit: %d %s", code, body)
	}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+created.ID+"/approve", tok, nil); code != 403 || !strings.Contains(string(body), "campaign.approve.self") {
		t.Fatalf("self-approval: %d %s", code, body)
	}
	tok2 := a.token(func(c jwt.MapClaims) { c["oid"] = adminOID2 })
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+created.ID+"/approve", tok2, nil); code != 200 || !strings.Contains(string(body), adminOID2) {
		t.Fatalf("approval: %d %s", code, body)
	}
	ctx := context.Background()
	if err := a.svc.Start(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	// Starting again (a scheduler retry) queues nobody twice.
	if err := a.svc.Start(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if fg.Throttled() == 0 {
		t.Fatal("the fake Graph never throttled")
	}
	a.run(created.ID, a.svc)
	code, body = a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID, tok, nil)
	var p campaign.Progress
	_ = json.Unmarshal(body, &p)
	if code != 200 || p.State != campaign.StateDone || p.Total != 10000 || p.Sent != int64(len(installed)) || p.NotInstalled != 10000-int64(len(installed)) {
		t.Fatalf("progress: %d %s", code, body)
	}
	for _, i := range installed {
		if n := fake.Delivered()["a:"+aadN(i)]; n != 1 {
			t.Fatalf("user %d got %d messages", i, n)
		}
	}
	if d := len(fake.Delivered()); d != len(installed) {
		t.Fatalf("%d conversations got messages", d)
	}
	code, body = a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID+"/recipients.csv", tok, nil)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if code != 200 || err != nil || len(rows) != 10001 {
		t.Fatalf("csv: %d %v %d rows", code, err, len(rows))
	}
	status := map[string]string{}
	for _, r := range rows[1:] {
		status[r[0]] = r[1]
	}
	if status[aadN(9995)] != "sent" || status[aadN(2)] != "notinstalled" || status[aadN(10000)] != "sent" {
		t.Fatalf("csv statuses: %v %v %v", status[aadN(9995)], status[aadN(2)], status[aadN(10000)])
	}
	// No raw Entra id of the group's members in Redis.
	for k, v := range redistest.Dump(ctx, t, a.rdb, a.prefix) {
		if strings.Contains(k+v, aadN(2)) || strings.Contains(k+v, groupAll) {
			t.Fatalf("raw id in %s", k)
		}
	}
}

// Without Graph configured, a group audience is refused with a clear answer.
func TestGroupAudienceWithoutGraph(t *testing.T) {
	a := newAPI(t, "")
	sp := apiSpec()
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: groupAll}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns", a.token(nil), sp); code != 400 || !strings.Contains(string(body), "campaign.group.off") {
		t.Fatalf("no graph: %d %s", code, body)
	}
}
