package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kk/graensen/internal/testissuer"
)

// TestAdminAPIUsesTheConfiguredEntraMetadata: in production, with
// GRAENSEN_ADMIN_OPENID_METADATA pointing at an issuer of its own (a
// sovereign cloud's login host, or a benchmark's), the admin API accepts
// an admin's token that issuer signed, and refuses a non-admin's, one for
// another audience and one signed by another key.
func TestAdminAPIUsesTheConfiguredEntraMetadata(t *testing.T) {
	const tenant, audience, admin = "secret-tenant-id-99", "api://graensen-test", "00000000-0000-4000-8000-00000000ad01"
	iss := "https://login.microsoftonline.com/" + tenant + "/v2.0"
	idp, err := testissuer.New(iss)
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	other, err := testissuer.New(iss)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	vars := prodEnv(bf, "redis://"+m.Addr()+"/0", "adminmeta:")
	vars["GRAENSEN_ADMIN_AUDIENCE"], vars["GRAENSEN_ADMINS"] = audience, admin
	vars["GRAENSEN_ADMIN_OPENID_METADATA"] = idp.MetadataURL()
	r, err := startServe(t, vars)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(oid, aud string) jwt.MapClaims {
		return jwt.MapClaims{"iss": iss, "tid": tenant, "aud": aud, "oid": oid,
			"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	}
	token := func(i *testissuer.Issuer, c jwt.MapClaims) string {
		s, err := i.Token(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, tc := range map[string]struct {
		token string
		want  int
	}{
		"an admin's token":      {token(idp, claims(admin, audience)), http.StatusOK},
		"not an admin":          {token(idp, claims("00000000-0000-4000-8000-00000000beef", audience)), http.StatusForbidden},
		"another audience":      {token(idp, claims(admin, "api://someone-else")), http.StatusUnauthorized},
		"signed by another key": {token(other, claims(admin, audience)), http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, r.base+"/api/admin/campaigns", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.want)
		}
	}
}
