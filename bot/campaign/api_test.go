package campaign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/testissuer"
)

const (
	tenant   = "11111111-2222-3333-4444-555555555555"
	audience = "api://graensen-admin"
	adminOID = "0b1c2d3e-0000-4000-8000-000000000001"
	// adminOID2 is a second admin (approvals).
	adminOID2 = "0b1c2d3e-0000-4000-8000-000000000002"
)

// entraIssuer is the issuer of the tenant's Entra ID tokens.
const entraIssuer = "https://login.microsoftonline.com/" + tenant + "/v2.0"

type apiEnv struct {
	*env
	srv *httptest.Server
	iss *testissuer.Issuer
	svc *campaign.Service
}

func newAPI(t *testing.T, static string) *apiEnv { return newAPIWith(t, static, nil, nil) }

// newAPIWith is newAPI with a given fake connector and service config.
func newAPIWith(t *testing.T, static string, fake *fakeconn.Server, mod func(*campaign.Config)) *apiEnv {
	e := newEnv(t, fake)
	iss, err := testissuer.New(entraIssuer) // the tenant's OpenID metadata and its signing key
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	auth, err := admin.NewAuthenticator(admin.AuthConfig{Admins: []string{strings.ToUpper(adminOID), adminOID2}, TenantID: tenant, Audience: audience, OpenIDMetadataURL: iss.MetadataURL(), StaticToken: static})
	if err != nil {
		t.Fatal(err)
	}
	svc := e.service("api", mod)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	svc.Routes(auth)(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &apiEnv{env: e, srv: srv, iss: iss, svc: svc}
}

func (a *apiEnv) token(mod func(jwt.MapClaims)) string {
	c := jwt.MapClaims{
		"iss": entraIssuer, "aud": audience, "tid": tenant, "oid": adminOID,
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	}
	if mod != nil {
		mod(c)
	}
	s, err := a.iss.Token(c)
	if err != nil {
		panic(err)
	}
	return s
}

// createAndStart creates a campaign through the API and starts it as the
// scheduler would (its item is due now).
func (a *apiEnv) createAndStart(tok string, sp dialogs.CampaignSpec) (created struct{ ID string }) {
	a.t.Helper()
	code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, sp)
	if code != http.StatusCreated {
		a.t.Fatalf("create: %d %s", code, body)
	}
	_ = json.Unmarshal(body, &created)
	if err := a.svc.Start(context.Background(), created.ID); err != nil {
		a.t.Fatal(err)
	}
	return created
}

func (a *apiEnv) do(method, path, bearer string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func apiSpec() dialogs.CampaignSpec {
	return dialogs.CampaignSpec{TitleDA: "Trin 2", TextDA: "Husk fristen", TitleEN: "Step 2", TextEN: "Remember the deadline", Ack: true,
		Audience: dialogs.CampaignAudience{Kind: dialogs.AudienceList, AadIDs: []string{aadN(1), aadN(2)}}}
}

func TestAdminAPIRefusesAllButAdmins(t *testing.T) {
	a := newAPI(t, "")
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"oid": adminOID, "aud": audience, "tid": tenant, "exp": time.Now().Add(time.Hour).Unix()})
	hsTok, _ := hs.SignedString([]byte("guess"))
	for name, c := range map[string]struct {
		bearer string
		want   int
	}{
		"none":          {"", http.StatusUnauthorized},
		"garbage":       {"not-a-jwt", http.StatusUnauthorized},
		"hs256":         {hsTok, http.StatusUnauthorized},
		"wrong aud":     {a.token(func(c jwt.MapClaims) { c["aud"] = "api://other" }), http.StatusUnauthorized},
		"other tenant":  {a.token(func(c jwt.MapClaims) { c["tid"] = "99999999-2222-3333-4444-555555555555" }), http.StatusUnauthorized},
		"wrong issuer":  {a.token(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/v2.0" }), http.StatusUnauthorized},
		"expired":       {a.token(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), http.StatusUnauthorized},
		"not an admin":  {a.token(func(c jwt.MapClaims) { c["oid"] = "0b1c2d3e-0000-4000-8000-00000000ffff" }), http.StatusForbidden},
		"static in off": {"local-static-token-123", http.StatusUnauthorized},
	} {
		if code, body := a.do(http.MethodPost, "/api/admin/campaigns", c.bearer, apiSpec()); code != c.want {
			t.Errorf("%s: %d %s, want %d", name, code, body, c.want)
		}
	}
	if n, _ := a.rdb.ZCard(context.Background(), a.store.Key("campaign", "index")).Result(); n != 0 {
		t.Fatalf("%d campaigns created by refused requests", n)
	}
}

func TestAdminAPICreateProgressCSVRemind(t *testing.T) {
	a := newAPI(t, "local-static-token-123")
	k1 := a.addUser(aadN(1), "da-DK", dialogs.Profile{})
	a.addUser(aadN(2), "en-US", dialogs.Profile{})
	tok := a.token(nil)

	created := a.createAndStart(tok, apiSpec())
	ctx := context.Background()
	a.run(created.ID, a.svc)
	a.rdb.SAdd(ctx, a.store.Key("campaign", created.ID, "ack"), k1)

	code, body := a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID, tok, nil)
	var p campaign.Progress
	_ = json.Unmarshal(body, &p)
	if code != 200 || p.Sent != 2 || p.Acknowledged != 1 || p.State != "done" {
		t.Fatalf("progress: %d %s", code, body)
	}
	code, body = a.do(http.MethodGet, "/api/admin/campaigns/"+created.ID+"/recipients.csv", "local-static-token-123", nil)
	want := "aad_object_id,status,time,last_error_code,acknowledged,install\n" + aadN(1) + ",sent,"
	if code != 200 || !strings.HasPrefix(string(body), want) || !strings.Contains(string(body), aadN(2)+",sent,") {
		t.Fatalf("csv: %d %s", code, body)
	}
	code, body = a.do(http.MethodPost, "/api/admin/campaigns/"+created.ID+"/remind", tok, nil)
	var fu struct {
		ID         string
		Recipients int
	}
	_ = json.Unmarshal(body, &fu)
	if code != http.StatusCreated || fu.Recipients != 1 {
		t.Fatalf("remind: %d %s", code, body)
	}
	// The author (from the token's oid) is the follow-up's author.
	sp, _ := a.svc.Spec(ctx, fu.ID)
	if sp.Author != a.hasher.Sum("user", "aad:"+adminOID) || sp.FollowUpOf != created.ID {
		t.Fatalf("follow-up spec %+v", sp)
	}
	if code, _ := a.do(http.MethodGet, "/api/admin/campaigns/c0000000000000bad", tok, nil); code != 404 {
		t.Fatalf("unknown: %d", code)
	}
	bad := apiSpec()
	bad.TitleEN = ""
	if code, body := a.do(http.MethodPost, "/api/admin/campaigns", tok, bad); code != 400 || !strings.Contains(string(body), "campaign.err.title") {
		t.Fatalf("invalid: %d %s", code, body)
	}
}
