package campaign_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

func TestParseScopes(t *testing.T) {
	sc, err := campaign.ParseScopes(" " + strings.ToUpper(adminOID) + "=role:manager|group:" + groupAll + "|channel:* ; " + adminOID2 + "=all")
	if err != nil {
		t.Fatal(err)
	}
	a := sc[adminOID]
	for _, c := range []struct {
		aud  dialogs.CampaignAudience
		want bool
	}{
		{dialogs.CampaignAudience{Kind: dialogs.AudienceRole, Role: dialogs.RoleManager}, true},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceRole, Role: dialogs.RoleEmployee}, false},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: strings.ToUpper(groupAll)}, true},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceGroup, Group: groupInner}, false},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceChannels}, true},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceAll}, false},
		{dialogs.CampaignAudience{Kind: dialogs.AudienceList, AadIDs: []string{aadN(1)}}, false},
	} {
		if got := a.Allows(c.aud); got != c.want {
			t.Errorf("%+v: %v", c.aud, got)
		}
	}
	if !sc[adminOID2].Allows(dialogs.CampaignAudience{Kind: dialogs.AudienceAll}) {
		t.Error("all")
	}
	for _, bad := range []string{"x", adminOID + "=role:boss", adminOID + "=group:nope", adminOID + "=all;" + adminOID + "=list"} {
		if _, err := campaign.ParseScopes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Guardrails through the admin API: the first admin may send only to
// managers; a campaign over the approval limit (here 3) is stored but not
// scheduled until the second admin approves it; the author and the
// approver are in its progress.
func TestGuardrailsThroughAdminAPI(t *testing.T) {
	a := newAPIWith(t, "local-static-token-123", nil, func(c *campaign.Config) {
		c.ApprovalOver = 3
		c.Scopes, _ = campaign.ParseScopes(adminOID + "=role:manager")
	})
	for i := 1; i <= 5; i++ {
		a.addUser(aadN(i), "da-DK", dialogs.Profile{Role: dialogs.RoleManager})
	}
	a.addUser(aadN(9), "da-DK", dialogs.Profile{Role: dialogs.RoleEmployee})
	tok, tok2 := a.token(nil), a.token(func(c jwt.MapClaims) { c["oid"] = adminOID2 })

	sp := apiSpec()
	for _, aud := range []dialogs.CampaignAudience{{Kind: dialogs.AudienceAll}, {Kind: dialogs.AudienceRole, Role: dialogs.RoleEmployee}, {Kind: dialogs.AudienceChannels}} {
		sp.Audience = aud
		if code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp); code != http.StatusForbidden || string(body) != `{"error":{"code":"forbidden","message":"campaign.scope.denied"}}` {
			t.Fatalf("out of scope %v: %d %s", aud, code, body)
		}
	}
	// Managers: 5 > 3, waits for approval.
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceRole, Role: dialogs.RoleManager}
	code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp)
	var c struct {
		ID, State                string
		Recipients, ApprovalOver int
	}
	_ = json.Unmarshal(body, &c)
	if code != http.StatusAccepted || c.State != campaign.StateApproval || c.Recipients != 5 || c.ApprovalOver != 3 {
		t.Fatalf("over the limit: %d %s", code, body)
	}
	// Not scheduled: no scheduler item.
	if due, err := a.store.ClaimDue(t.Context(), time.Now().Add(time.Hour), 10, time.Minute); err != nil || len(due) != 0 {
		t.Fatalf("scheduled before approval: %v %v", due, err)
	}
	var p campaign.Progress
	_, body = a.do(http.MethodGet, "/api/admin/campaigns/"+c.ID, tok, nil)
	_ = json.Unmarshal(body, &p)
	if p.State != campaign.StateApproval || p.Recipients != 5 || p.Author != adminOID || p.Approver != "" {
		t.Fatalf("waiting: %s", body)
	}
	for _, r := range []struct {
		tok, want string
		code      int
	}{
		{tok, `{"error":{"code":"forbidden","message":"campaign.approve.self"}}`, 403},
		{"local-static-token-123", `{"error":{"code":"forbidden","message":"campaign.approve.anonymous"}}`, 403},
	} {
		if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+c.ID+"/approve", r.tok, nil); code != r.code || string(body) != r.want {
			t.Fatalf("approve: %d %s", code, body)
		}
	}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+c.ID+"/approve", tok2, nil); code != 200 || !strings.Contains(string(body), `"state":"scheduled"`) {
		t.Fatalf("approve: %d %s", code, body)
	}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns/"+c.ID+"/approve", tok2, nil); code != 409 || string(body) != `{"error":{"code":"conflict","message":"campaign.approve.notPending"}}` {
		t.Fatalf("approve twice: %d %s", code, body)
	}
	due, err := a.store.ClaimDue(t.Context(), time.Now().Add(time.Second), 10, time.Minute)
	if err != nil || len(due) != 1 || due[0].Kind != campaign.KindStart || string(due[0].Payload) != c.ID {
		t.Fatalf("scheduled after approval: %v %v", due, err)
	}
	if err := a.svc.HandleStart(t.Context(), redisstore.Due{Payload: due[0].Payload, At: due[0].At}); err != nil {
		t.Fatal(err)
	}
	if p := a.run(c.ID, a.svc); p.Sent != 5 || p.Author != adminOID || p.Approver != adminOID2 {
		t.Fatalf("sent: %+v", p)
	}
	// Within the limit: scheduled at once.
	sp.Audience = dialogs.CampaignAudience{Kind: dialogs.AudienceList, AadIDs: []string{aadN(1)}}
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok2, sp); code != http.StatusCreated || !strings.Contains(string(body), `"state":"scheduled"`) {
		t.Fatalf("small: %d %s", code, body)
	}
}
