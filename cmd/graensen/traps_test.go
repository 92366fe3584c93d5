package main

// Configuration traps (issue 12, G) and the tenant check (F), through
// loadConfig and the real server.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/internal/bottest"
)

func merged(base map[string]string, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}

// TestRealDeploymentRefusesDevelopmentSecrets: with an app id or a Redis of
// its own, the bot refuses the development keys and the static admin token
// whatever GRAENSEN_ENV says (forgetting it must not run a deployment on
// published keys), and the published key values are refused even when given
// explicitly. A laptop (neither) still starts with them.
func TestRealDeploymentRefusesDevelopmentSecrets(t *testing.T) {
	devHash := base64.StdEncoding.EncodeToString(devHashKey())
	devData := base64.StdEncoding.EncodeToString(devDataKey())
	own := map[string]string{"GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys}
	app := map[string]string{"MicrosoftAppId": testAppID, "MicrosoftAppPassword": testAppPassword}
	redisURL := map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}
	token := map[string]string{"GRAENSEN_ADMIN_TOKEN": "a-static-token-of-16+"}
	prod := merged(merged(merged(app, redisURL), own), map[string]string{"GRAENSEN_ENV": "production", "MicrosoftAppTenantId": "t"})
	for _, tc := range []struct {
		name, want string // want: a part of the error; "" means it starts
		vars       map[string]string
	}{
		{"app id, no env, no keys", "development keys", app},
		{"redis, no env, no keys", "development keys", redisURL},
		{"redis, no env, only a hash key", "development keys", merged(redisURL, map[string]string{"GRAENSEN_HASH_KEY": testHashKey})},
		{"app id, explicit local, no keys", "development keys", merged(app, map[string]string{"GRAENSEN_ENV": "local"})},
		{"redis and own keys, static admin token", "GRAENSEN_ADMIN_TOKEN", merged(merged(redisURL, own), token)},
		{"app id and own keys, static admin token", "GRAENSEN_ADMIN_TOKEN", merged(merged(app, own), token)},
		{"redis with the published hash key", "published development key", merged(merged(redisURL, own), map[string]string{"GRAENSEN_HASH_KEY": devHash})},
		{"production with the published hash key", "published development key", merged(prod, map[string]string{"GRAENSEN_HASH_KEY": devHash})},
		{"production with the published data key", "published development key", merged(prod, map[string]string{"GRAENSEN_DATA_KEYS": "dev:" + devData})},
		{"production with the published data key kept for rotation", "published development key", merged(prod, map[string]string{"GRAENSEN_DATA_KEYS": testDataKeys + ",old:" + devData})},
		{"production with own keys", "", prod},
		{"redis with own keys", "", merged(redisURL, own)},
		{"a laptop: development keys", "", nil},
		{"a laptop: static admin token", "", token},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.vars))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.real() && (bytesEq(c.HashKey, devHashKey()) || strings.Contains(c.DataKeys, devData)) {
					t.Fatal("a real configuration runs on the development keys")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			// serve refuses too, before listening or touching Redis.
			if err := serve(context.Background(), env(tc.vars), io.Discard, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve: %v", err)
			}
		})
	}
}

func bytesEq(a, b []byte) bool { return string(a) == string(b) }

// listening waits (woken at each log write) for serve's "graensen
// listening" line and returns it.
func listening(t *testing.T, logs *bottest.SyncBuffer) map[string]any {
	t.Helper()
	var line map[string]any
	text, ok := logs.Await(5*time.Second, func(text string) bool {
		for _, l := range strings.Split(text, "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "graensen listening" {
				line = m
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no listening line in:\n%s", text)
	}
	return line
}

// TestLocalModeListensOnLoopbackOnly: local mode (where authentication may
// be off) binds 127.0.0.1 unless GRAENSEN_LISTEN says otherwise, and then
// warns; production binds every interface; a port in GRAENSEN_LISTEN is
// refused.
func TestLocalModeListensOnLoopbackOnly(t *testing.T) {
	start := func(vars map[string]string) (string, *bottest.SyncBuffer, func()) {
		logs := &bottest.SyncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serve(ctx, env(merged(map[string]string{"PORT": "0"}, vars)), logs, nil) }()
		addr, _ := listening(t, logs)["addr"].(string)
		return addr, logs, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	addr, logs, stop := start(nil)
	host, port, _ := net.SplitHostPort(addr)
	if host != "127.0.0.1" {
		t.Fatalf("local mode listens on %q, want 127.0.0.1", addr)
	}
	resp, err := http.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on loopback: %v", err)
	}
	resp.Body.Close()
	if strings.Contains(logs.String(), "listens beyond this machine") {
		t.Error("warned about a loopback listener")
	}
	stop()

	addr, logs, stop = start(map[string]string{"GRAENSEN_LISTEN": "0.0.0.0"})
	if ip := net.ParseIP(strings.Trim(strings.Split(addr, "]")[0], "[")); strings.HasPrefix(addr, "127.") || (ip != nil && ip.IsLoopback()) {
		t.Fatalf("GRAENSEN_LISTEN=0.0.0.0 listens on %q", addr)
	}
	if !strings.Contains(logs.String(), "listens beyond this machine") {
		t.Errorf("no warning for a local bot without authentication on every interface:\n%s", logs.String())
	}
	stop()

	c, err := loadConfig(env(map[string]string{"GRAENSEN_ENV": "production", "MicrosoftAppId": testAppID, "MicrosoftAppPassword": "p",
		"MicrosoftAppTenantId": "t", "REDIS_URL": "redis://x:6379/0", "GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys}))
	if err != nil || c.listenAddr() != ":3978" {
		t.Fatalf("production listens on %q (%v), want every interface", c.listenAddr(), err)
	}
	for _, bad := range []string{"127.0.0.1:3978", "[::1]:80", "a b"} {
		if _, err := loadConfig(env(map[string]string{"GRAENSEN_LISTEN": bad})); err == nil || !strings.Contains(err.Error(), "GRAENSEN_LISTEN") {
			t.Errorf("GRAENSEN_LISTEN=%q: %v", bad, err)
		}
	}
}

// TestMetricsOnlyOnTheirOwnAddress: /metrics is 404 on the public port and
// served on GRAENSEN_METRICS_ADDR; the public port cannot be reused for it.
func TestMetricsOnlyOnTheirOwnAddress(t *testing.T) {
	r, err := startServe(t, map[string]string{"GRAENSEN_METRICS_ADDR": "127.0.0.1:0", "LOG_LEVEL": "info"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(r.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public port: %d, want 404", resp.StatusCode)
	}
	maddr, _ := listening(t, r.logs)["metrics_addr"].(string)
	if maddr == "" || maddr == strings.TrimPrefix(r.base, "http://") {
		t.Fatalf("metrics address %q", maddr)
	}
	resp, err = http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "graensen_http_requests_total") {
		t.Fatalf("metrics address: %d\n%.500s", resp.StatusCode, b)
	}
	// The metrics listener serves nothing else.
	if resp, err := http.Get("http://" + maddr + "/healthz"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("metrics listener serves /healthz: %v", err)
	}
	for _, bad := range []string{"3978", ":3978", "127.0.0.1:3978"} {
		if _, err := loadConfig(env(map[string]string{"GRAENSEN_METRICS_ADDR": bad})); err == nil || !strings.Contains(err.Error(), "GRAENSEN_METRICS_ADDR") {
			t.Errorf("GRAENSEN_METRICS_ADDR=%q: %v", bad, err)
		}
	}
}

// TestProfileIsSealedAndOldProfilesMigrate: through the real server and
// Redis, the profile (language, role) is stored sealed; a profile written
// unsealed by an older version is still read (the user keeps their
// language) and is rewritten sealed by that turn.
func TestProfileIsSealedAndOldProfilesMigrate(t *testing.T) {
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	const prefix = "prof:"
	r, err := startServe(t, map[string]string{"REDIS_URL": "redis://" + m.Addr() + "/0", "GRAENSEN_REDIS_PREFIX": prefix,
		"GRAENSEN_HASH_KEY": testHashKey, "GRAENSEN_DATA_KEYS": testDataKeys, "LOG_LEVEL": "error"})
	if err != nil {
		t.Fatal(err)
	}
	waitReply := func(n int) map[string]any {
		t.Helper()
		bf.awaitReplies(n, 5*time.Second)
		bf.mu.Lock()
		defer bf.mu.Unlock()
		if len(bf.replies) < n {
			t.Fatalf("%d replies, want %d", len(bf.replies), n)
		}
		return bf.replies[n-1]
	}
	if code, _ := post(t, r.base, bf.message("p1", "english"), ""); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	waitReply(1)
	var userKey string
	for _, k := range keysUnder(m, prefix+"user:") {
		if strings.Count(k, ":") == 2 {
			userKey = k
		}
	}
	if userKey == "" {
		t.Fatalf("no user key among %v", m.Keys())
	}
	raw := m.HGet(userKey, "p")
	if raw == "" || strings.HasPrefix(raw, "{") || strings.Contains(raw, `"l"`) {
		t.Fatalf("profile stored in the clear: %q", raw)
	}
	keys, _ := seal.ParseKeys(testDataKeys)
	user := strings.TrimPrefix(userKey, prefix+"user:")
	if p, legacy, err := profile.Open(keys, user, []byte(raw)); err != nil || p.Lang != dialogs.English || legacy {
		t.Fatalf("sealed profile opens to %+v (legacy %v, %v)", p, legacy, err)
	}
	// An older version's unsealed profile: English, a manager.
	old, _ := json.Marshal(dialogs.Profile{Lang: dialogs.English, Role: dialogs.RoleManager, Asked: true})
	// Written as an older replica's commit wrote it: with a new version
	// (a replica's turn cache then sees that it changed).
	m.HSet(userKey, "p", string(old))
	if _, err := m.HIncrBy(userKey, "v", 1); err != nil {
		t.Fatal(err)
	}
	if code, _ := post(t, r.base, bf.message("p2", "menu"), ""); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	reply, _ := json.Marshal(waitReply(2))
	if !strings.Contains(string(reply), `"locale":"en"`) {
		t.Fatalf("the old profile's language was lost: %.600s", reply)
	}
	raw = m.HGet(userKey, "p")
	if strings.HasPrefix(raw, "{") {
		t.Fatalf("the old profile was not rewritten sealed: %q", raw)
	}
	if p, legacy, err := profile.Open(keys, user, []byte(raw)); err != nil || p.Role != dialogs.RoleManager || p.Lang != dialogs.English || legacy {
		t.Fatalf("migrated profile %+v (legacy %v, %v)", p, legacy, err)
	}
	// Sealed under this user: copied to another user's key it does not open.
	if p, _, err := profile.Open(keys, "someone-else", []byte(raw)); p.Role != "" || err == nil {
		t.Fatalf("a profile opened under another user's key: %+v, %v", p, err)
	}
}

// TestOtherTenantsAreRefusedAtTheWebhook: in production, an activity from
// another tenant than MicrosoftAppTenantId (in channelData.tenant.id or in
// conversation.tenantId), or naming none, gets 403 with a genuine token and
// leaves nothing behind: no keys, no reply.
func TestOtherTenantsAreRefusedAtTheWebhook(t *testing.T) {
	bf := newFakeBotFramework(t)
	m := miniredis.RunT(t)
	const prefix = "tenant:"
	r, err := startServe(t, prodEnv(bf, "redis://"+m.Addr()+"/0", prefix))
	if err != nil {
		t.Fatal(err)
	}
	// Background workers (the report inbox) create their keys at start,
	// when they get to it; keysUnder leaves those out: what matters is
	// what requests add.
	before := keysUnder(m, prefix)
	valid := bf.valid(t)
	for name, edit := range map[string]func(a activity){
		"other tenant in both": func(a activity) {
			a["channelData"] = map[string]any{"tenant": map[string]any{"id": "evil-tenant"}}
			a["conversation"].(map[string]any)["tenantId"] = "evil-tenant"
		},
		"other tenant in channelData": func(a activity) {
			a["channelData"] = map[string]any{"tenant": map[string]any{"id": "evil-tenant"}}
		},
		"other tenant in the conversation": func(a activity) { a["conversation"].(map[string]any)["tenantId"] = "evil-tenant" },
		"no tenant at all": func(a activity) {
			delete(a, "channelData")
			delete(a["conversation"].(map[string]any), "tenantId")
		},
	} {
		a := bf.message("t-"+name, "menu")
		edit(a)
		if code, body := post(t, r.base, a, valid); code != http.StatusForbidden {
			t.Errorf("%s: status %d (%s), want 403", name, code, body)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if keys := keysUnder(m, prefix); !slices.Equal(keys, before) {
		t.Errorf("refused activities wrote keys: %v (before %v)", keys, before)
	}
	if n := bf.replyCount(); n != 0 {
		t.Errorf("refused activities got %d replies", n)
	}
	// Our own tenant is answered (the test would notice a bot refusing all).
	if code, body := post(t, r.base, bf.message("t-ours", "menu"), valid); code != http.StatusOK {
		t.Fatalf("own tenant: %d %s", code, body)
	}
	bf.awaitReplies(1, 5*time.Second)
	if bf.replyCount() != 1 {
		t.Fatalf("own tenant: %d replies", bf.replyCount())
	}
}

// TestReportLimitsAreConfigurable: the reporting limits come from the
// environment, are checked, and reach the report service.
func TestReportLimitsAreConfigurable(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"GRAENSEN_CASE_MESSAGES_PER_DAY": "3", "GRAENSEN_CASE_MESSAGE_MAX": "1500",
		"GRAENSEN_RECEIPT_CHECKS_PER_HOUR": "10", "GRAENSEN_ARGON2_SLOTS": "4"}))
	if err != nil {
		t.Fatal(err)
	}
	// Applied as main does: to a service report.New has already given its defaults.
	s := report.New(nil, nil, nil, nil)
	c.ReportLimits.apply(s)
	if l := s.Limits; l.MsgsPerCaseDay != 3 || l.MsgRunes != 1500 || l.ChecksPerHour != 10 || l.ArgonSlots != 4 {
		t.Fatalf("limits %+v", l)
	}
	if n := s.ArgonCapacity(); n != 4 {
		t.Fatalf("GRAENSEN_ARGON2_SLOTS=4 gave %d argon2id slots", n)
	}
	c, _ = loadConfig(env(nil))
	if c.ReportLimits != (reportLimits{}) {
		t.Fatalf("unset limits are not the service's defaults: %+v", c.ReportLimits)
	}
	// Unset, the service keeps its defaults (a zero must not switch a limit
	// off: a ChecksPerHour of 0 would refuse every receipt check).
	d := report.New(nil, nil, nil, nil)
	c.ReportLimits.apply(d)
	if l := d.Limits; l.MsgsPerCaseDay != 5 || l.MsgRunes != 2000 || l.ChecksPerHour != 20 || l.ArgonSlots != 2 || d.ArgonCapacity() != 2 {
		t.Fatalf("unset limits changed the defaults: %+v", l)
	}
	for name, bad := range map[string]string{"GRAENSEN_CASE_MESSAGES_PER_DAY": "0", "GRAENSEN_CASE_MESSAGE_MAX": "5000",
		"GRAENSEN_RECEIPT_CHECKS_PER_HOUR": "many", "GRAENSEN_ARGON2_SLOTS": "-1"} {
		if _, err := loadConfig(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, bad, err)
		}
	}
}

// TestWholeNumberSettings: the whole-number settings take their bounds,
// keep their defaults when unset, and name themselves when refused.
func TestWholeNumberSettings(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.TurnCache != 10000 || c.ApprovalOver != 1000 || c.CampaignWorkers != 0 {
		t.Fatalf("defaults: turn cache %d, approval over %d, workers %d", c.TurnCache, c.ApprovalOver, c.CampaignWorkers)
	}
	c, err = loadConfig(env(map[string]string{"GRAENSEN_TURN_CACHE": "0", "GRAENSEN_CAMPAIGN_APPROVAL_OVER": "0", "GRAENSEN_CAMPAIGN_WORKERS": "4096"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.TurnCache != 0 || c.ApprovalOver != -1 || c.CampaignWorkers != 4096 {
		t.Fatalf("set: turn cache %d, approval over %d (0 means none: -1), workers %d", c.TurnCache, c.ApprovalOver, c.CampaignWorkers)
	}
	for name, bad := range map[string]string{"GRAENSEN_TURN_CACHE": "1000001", "GRAENSEN_CAMPAIGN_APPROVAL_OVER": "-1",
		"GRAENSEN_CAMPAIGN_WORKERS": "0", "GRAENSEN_CAMPAIGN_WORKERS ": "2.5"} {
		name = strings.TrimSpace(name)
		if _, err := loadConfig(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s=%s: %v", name, bad, err)
		}
	}
}
