package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/internal/randid"
	"github.com/kk/graensen/internal/testissuer"
)

// The "real" mode (issue 15, point 4): the bot's own binary (cmd/graensen,
// shipped defaults except the rate) sends the campaign, created through
// its admin API and started by its scheduler, to a fake connector running
// as a separate process with a latency per call:
//
//	go build -o /tmp/graensen ./cmd/graensen
//	campaignbench -real -bin /tmp/graensen -n 9000 -rate 300 -latency 300ms
//
// It prints the achieved sending rate against the configured one.

// fakeMain runs the fake connector as its own process: it prints
// "fake <connector url> <stats url>" and serves until SIGTERM.
func fakeMain(args []string) {
	fs := flag.NewFlagSet("fakeconn", flag.ExitOnError)
	rate := fs.Float64("rate", 300, "tenant limit, requests/s")
	latency := fs.Duration("latency", 300*time.Millisecond, "time per call")
	p429 := fs.Float64("p429", 0.002, "share answered 429")
	p5xx := fs.Float64("p5xx", 0.002, "share answered 503")
	_ = fs.Parse(args)
	fake := fakeconn.Start(&fakeconn.Server{Rate: *rate, P429: *p429, P5xx: *p5xx, RetryAfter: "1", Latency: *latency})
	defer fake.Close()
	stats := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"stats": fake.Stats(), "delivered": fake.Delivered()})
	}))
	defer stats.Close()
	fmt.Println("fake", fake.URL(), stats.URL)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

type realOpts struct {
	bin     string
	latency time.Duration
}

func benchReal(o opts, ro realOpts, rdb *redis.Client) error {
	ctx := context.Background()
	if ro.bin == "" {
		return errors.New("-real needs -bin (go build -o /tmp/graensen ./cmd/graensen)")
	}
	o.prefix = "bench:" + randid.Hex(4) + ":"
	defer clean(rdb, o.prefix)

	self, _ := os.Executable()
	fk := exec.Command(self, "fakeconn", "-rate", fmt.Sprint(o.rate), "-latency", ro.latency.String(),
		"-p429", fmt.Sprint(o.p429), "-p5xx", fmt.Sprint(o.p5xx))
	fk.Stderr = os.Stderr
	out, _ := fk.StdoutPipe()
	if err := fk.Start(); err != nil {
		return err
	}
	defer func() { _ = fk.Process.Signal(syscall.SIGTERM); _ = fk.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "fake" {
		return fmt.Errorf("fake connector did not start: %q %v", line, err)
	}
	connURL, statsURL := f[1], f[2]

	fmt.Printf("seeding %d users with references to the fake connector (%v a call)…\n", o.n, ro.latency)
	if err := seed(ctx, o, rdb, connURL); err != nil {
		return err
	}
	hk, dk := benchKeyStrings()
	// The admin API takes Entra ID tokens only once Redis is real (the static
	// token is for a laptop): a local issuer plays the tenant's Entra ID.
	const tenant, audience, adminID = "00000000-0000-4000-8000-0000000077e7", "api://graensen-bench", "00000000-0000-4000-8000-00000000ad01"
	idp, err := testissuer.New("https://login.microsoftonline.com/" + tenant + "/v2.0")
	if err != nil {
		return err
	}
	defer idp.Close()
	now := time.Now()
	token, err := idp.Token(jwt.MapClaims{"iss": "https://login.microsoftonline.com/" + tenant + "/v2.0", "tid": tenant,
		"aud": audience, "oid": adminID, "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(2 * time.Hour).Unix(), "iat": now.Unix()})
	if err != nil {
		return err
	}
	var urls []string
	for i := range o.procs {
		port, err := freePort()
		if err != nil {
			return err
		}
		cmd := exec.Command(ro.bin)
		cmd.Env = append(os.Environ(), "GRAENSEN_ENV=local", "REDIS_URL="+o.redisURL, "GRAENSEN_REDIS_PREFIX="+o.prefix,
			"GRAENSEN_HASH_KEY="+hk, "GRAENSEN_DATA_KEYS="+dk, "PORT="+port, "GRAENSEN_TENANT_RATE="+fmt.Sprint(o.rate),
			"GRAENSEN_REPLY_RESERVE=0", "LOG_LEVEL=error", "MicrosoftAppTenantId="+tenant, "GRAENSEN_ADMIN_AUDIENCE="+audience,
			"GRAENSEN_ADMIN_OPENID_METADATA="+idp.MetadataURL(), "GRAENSEN_ADMINS="+adminID,
			"GRAENSEN_CAMPAIGN_APPROVAL_OVER=0") // one admin: no second one to approve (the sending is measured)
		if o.workers > 0 {
			cmd.Env = append(cmd.Env, "GRAENSEN_CAMPAIGN_WORKERS="+strconv.Itoa(o.workers))
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
		urls = append(urls, "http://127.0.0.1:"+port)
		_ = i
	}
	for _, u := range urls {
		if err := waitHealthy(u); err != nil {
			return err
		}
	}
	api := func(method, path string, body any, out any) error {
		var rd io.Reader
		if body != nil {
			bb, _ := json.Marshal(body)
			rd = bytes.NewReader(bb)
		}
		req, _ := http.NewRequest(method, urls[0]+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			bb, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bb)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	var created struct{ ID string }
	spec := map[string]any{"titleDa": "Trin 2", "textDa": "Husk at sætte en frist for det åbne vindue.", "titleEn": "Step 2",
		"textEn": "Remember to set a deadline for the open window.", "ack": true, "audience": map[string]any{"kind": "all"}}
	start := time.Now()
	if err := api(http.MethodPost, "/api/admin/campaigns", spec, &created); err != nil {
		return err
	}
	var p campaign.Progress
	var first time.Time
	for {
		if err := api(http.MethodGet, "/api/admin/campaigns/"+created.ID, nil, &p); err != nil {
			return err
		}
		if first.IsZero() && p.Sent > 0 {
			first = time.Now()
		}
		if p.State == campaign.StateDone {
			break
		}
		if time.Since(start) > o.timeout {
			return fmt.Errorf("timeout: %+v", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	done := time.Now()
	var st struct {
		Stats     fakeconn.Stats
		Delivered map[string]int
	}
	resp, err := http.Get(statsURL)
	if err != nil {
		return err
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	dups, lost := 0, 0
	for i := range o.n {
		switch c := st.Delivered["a:"+aad(i)]; {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
	}
	sending := done.Sub(first)
	workers := "default"
	if o.workers > 0 {
		workers = strconv.Itoa(o.workers)
	}
	fmt.Printf("\nreal binary %s × %d, workers %s, connector latency %v (separate process)\n", ro.bin, o.procs, workers, ro.latency)
	fmt.Printf("recipients %d, configured rate %.0f/s\n", o.n, o.rate)
	fmt.Printf("sending    %.2fs (first send to done; %.2fs from the API call)\n", sending.Seconds(), done.Sub(start).Seconds())
	fmt.Printf("achieved   %.1f/s = %.1f%% of configured\n", float64(p.Sent)/sending.Seconds(), float64(p.Sent)/sending.Seconds()/o.rate*100)
	fmt.Printf("delivered  duplicates %d, lost %d; counts sent %d, failed %d, retrying %d\n", dups, lost, p.Sent, p.Failed, p.Retrying)
	fmt.Printf("fake       requests %d, tenant-throttled %d, conversation-throttled %d, random 429 %d, random 503 %d\n",
		st.Stats.Requests, st.Stats.TenantThrottled, st.Stats.ConvThrottled, st.Stats.Random429, st.Stats.Random5xx)
	return nil
}

func waitHealthy(u string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready", u)
}

// benchKeyStrings are benchKeys as the binary's environment spells them.
func benchKeyStrings() (hashKey, dataKeys string) {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x42}, 32)),
		"b1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x24}, 32))
}
