// Command turnbench measures a turn of the real bot binary against a
// minimal echo bot on msbotbuilder-go v0.2.5, side by side on one machine
// (issue 14, point 6):
//
//	GRAENSEN_TEST_REDIS=redis://127.0.0.1:6379/0 go run ./cmd/turnbench [-turns 40000] [-conversations 32] [-cpuprofile /tmp/turn.pprof]
//
// It builds cmd/graensen (or takes -bin), starts it as its own process in
// production mode (authentication on, state in the Redis of -redis under a
// key prefix of its own) and then the echo bot (this binary, "echobot"
// subcommand) as another process, both behind the same fake Bot Connector
// served by this process. The same load generator drives each in turn:
// -conversations conversations at once, each sending its next message as
// soon as the previous turn is done, -warmup turns first, then -turns
// measured ones. A turn is done when the bot has answered the POST and its
// reply has arrived at the fake connector, whichever comes last: Grænsen
// answers the POST first and replies afterwards, the echo bot replies
// before it answers. It prints one row per bot: turns/s, p50, p99, and
// the ratio of the two throughputs.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/kk/graensen/internal/randid"
	"github.com/kk/graensen/internal/testissuer"
)

const (
	appID    = "00000000-0000-4000-8000-00000000b0b0"
	tenantID = "00000000-0000-4000-8000-0000000077e7"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echobot" {
		if err := echoMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "echobot:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "turnbench:", err)
		os.Exit(1)
	}
}

type opts struct {
	bin, redisURL, cpuprofile, text string
	turns, warmup, conversations    int
	rate, loadProcs                 int
	botEnv, echoEnv                 string
	noauth                          bool
}

func run() error {
	var o opts
	flag.StringVar(&o.bin, "bin", "", "the graensen binary (default: go build ./cmd/graensen into a temporary directory)")
	flag.StringVar(&o.redisURL, "redis", os.Getenv("GRAENSEN_TEST_REDIS"), "Redis URL for the bot's state (default $GRAENSEN_TEST_REDIS)")
	flag.IntVar(&o.turns, "turns", 40000, "measured turns per bot")
	flag.IntVar(&o.warmup, "warmup", 4000, "turns per bot before measuring")
	flag.IntVar(&o.conversations, "conversations", 32, "concurrent conversations (with -rate: the conversations the turns are spread over)")
	flag.IntVar(&o.rate, "rate", 0, "send this many turns a second on a fixed schedule (open loop) instead of each conversation's next turn as soon as the last is done; latency counts from when a turn was due")
	flag.StringVar(&o.text, "text", "menu", "what every message says")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the graensen process during the measured turns to this file")
	flag.StringVar(&o.botEnv, "bot-env", "", "extra environment for the graensen process only, comma-separated K=V (e.g. GOMAXPROCS=1)")
	flag.StringVar(&o.echoEnv, "echo-env", "", "extra environment for the echo bot's process only, comma-separated K=V")
	flag.IntVar(&o.loadProcs, "load-procs", 0, "GOMAXPROCS of this process (the load generator and fake connector); 0 leaves the runtime's choice")
	flag.BoolVar(&o.noauth, "noauth", false, "also measure graensen in local mode without inbound authentication")
	flag.Parse()
	if o.loadProcs > 0 {
		runtime.GOMAXPROCS(o.loadProcs)
	}
	if o.redisURL == "" {
		return errors.New("no Redis: set GRAENSEN_TEST_REDIS or -redis (e.g. redis://127.0.0.1:6379/0)")
	}
	dir, err := os.MkdirTemp("", "turnbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.bin == "" {
		o.bin = filepath.Join(dir, "graensen")
		build := exec.Command("go", "build", "-o", o.bin, "github.com/kk/graensen/cmd/graensen")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build graensen: %w", err)
		}
	}

	fc, err := newFakeConnector()
	if err != nil {
		return err
	}
	defer fc.Close()
	idp, err := testissuer.New("https://api.botframework.com", "msteams")
	if err != nil {
		return err
	}
	defer idp.Close()
	lg := &loadGen{o: o, fc: fc}

	load := fmt.Sprintf("%d conversations, each its next turn when the last is done", o.conversations)
	if o.rate > 0 {
		load = fmt.Sprintf("%d turns/s on a fixed schedule over %d conversations", o.rate, o.conversations)
	}
	fmt.Printf("turnbench: %s, %d turns each bot after %d warm-up, text %q, %d CPUs; GOMAXPROCS: load %d, bot env %q, echo env %q\n",
		load, o.turns, o.warmup, o.text, numCPU(), runtime.GOMAXPROCS(0), o.botEnv, o.echoEnv)
	var rows []row
	g, err := runGraensen(o, lg, idp, true)
	if err != nil {
		return err
	}
	rows = append(rows, g)
	if o.noauth {
		l, err := runGraensen(o, lg, idp, false)
		if err != nil {
			return err
		}
		rows = append(rows, l)
	}
	e, err := runEcho(o, lg)
	if err != nil {
		return err
	}
	rows = append(rows, e)

	fmt.Printf("\n%-46s %9s %8s %8s %7s %14s %16s %15s %9s\n", "bot", "turns/s", "p50", "p99", "ratio", "CPU/turn (bot)", "CPU/turn (Redis)", "CPU/turn (load)", "peak RSS")
	for _, r := range rows {
		fmt.Printf("%-46s %9.0f %8s %8s %6.2f× %12.0fµs %14.0fµs %13.0fµs %6.0f MB\n", r.name, r.tps, ms(r.p50), ms(r.p99), r.tps/e.tps,
			float64(r.botCPU.Nanoseconds())/1e3, float64(r.redisCPU.Nanoseconds())/1e3, float64(r.genCPU.Nanoseconds())/1e3, float64(r.peakRSS)/1024)
	}
	return nil
}

// splitEnv splits "K=V,K2=V2" into environment entries.
func splitEnv(s string) []string {
	var out []string
	for kv := range strings.SplitSeq(s, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			out = append(out, kv)
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func numCPU() int {
	n := 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n = strings.Count(string(b), "processor\t:")
	}
	return n
}

type row struct {
	name     string
	tps      float64
	p50, p99 time.Duration
	// CPU per turn of the bot's process, and of Redis (Grænsen only),
	// during the measured turns: the work a turn costs, which the machine's
	// other load moves far less than turns/s or the percentiles.
	botCPU, redisCPU time.Duration
	// genCPU is the load generator's and fake connector's CPU per turn
	// (this process), which the bots' share of the machine leaves out.
	genCPU time.Duration
	// peakRSS is the bot process's largest resident memory (VmHWM), in KiB.
	peakRSS int64
}

// peakRSS is a process's peak resident set size in KiB (/proc/<pid>/status
// VmHWM), or 0.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// runGraensen starts the bot binary, production-like: production mode with
// inbound authentication against the issuer's keys (or, auth false, local
// mode without), real Redis under a random prefix, keys of its own, the
// connector's token from the fake.
func runGraensen(o opts, lg *loadGen, idp *testissuer.Issuer, auth bool) (row, error) {
	rdb, prefix, err := redisFor(o.redisURL)
	if err != nil {
		return row{}, err
	}
	defer rdb.Close()
	defer clean(rdb, prefix)
	port, err := freePort()
	if err != nil {
		return row{}, err
	}
	pprofPort, err := freePort()
	if err != nil {
		return row{}, err
	}
	key := func(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"REDIS_URL=" + o.redisURL, "GRAENSEN_REDIS_PREFIX=" + prefix, "PORT=" + port, "GRAENSEN_LISTEN=127.0.0.1",
		"GRAENSEN_HASH_KEY=" + key(0x42), "GRAENSEN_DATA_KEYS=b1:" + key(0x24), "LOG_LEVEL=warn",
		"GRAENSEN_PPROF_ADDR=127.0.0.1:" + pprofPort,
	}
	// The Go runtime's own settings pass through, to compare them, and
	// -bot-env adds to them.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, splitEnv(o.botEnv)...)
	name := "graensen (production mode, auth on, Redis)"
	lg.authz = ""
	if auth {
		env = append(env, "GRAENSEN_ENV=production", "MicrosoftAppId="+appID, "MicrosoftAppPassword=bench-secret",
			"MicrosoftAppTenantId="+tenantID, "BotOpenIdMetadata="+idp.MetadataURL(),
			"ToChannelFromBotLoginUrl="+fcTokenURL(lg.fc))
		tok, err := token(idp, lg.fc.serviceURL())
		if err != nil {
			return row{}, err
		}
		lg.authz = "Bearer " + tok
	} else {
		name = "graensen (local mode, auth off, Redis)"
		env = append(env, "GRAENSEN_ENV=local")
	}
	cmd := exec.Command(o.bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return row{}, err
	}
	defer stop(cmd)
	base := "http://127.0.0.1:" + port
	if err := waitReady(base + "/readyz"); err != nil {
		return row{}, err
	}
	lg.url = base + "/api/messages"
	lg.client = &fasthttp.HostClient{Addr: "127.0.0.1:" + port, MaxConns: max(o.conversations*2, 4096)}
	var prof func() error
	if o.cpuprofile != "" && auth {
		prof = func() error { return cpuProfile("http://127.0.0.1:"+pprofPort, o.cpuprofile) }
	}
	pid := cmd.Process.Pid
	r, err := lg.measure(name, prof, func() (time.Duration, time.Duration) { return procCPU(pid), redisCPU(rdb) })
	r.peakRSS = peakRSS(pid)
	return r, err
}

// fcTokenURL is the fake's token endpoint, for both bots' outbound token.
func fcTokenURL(f *fakeConnector) string { return f.url + "/botframework.com/oauth2/v2.0/token" }

// runEcho starts the msbotbuilder-go echo bot as its own process.
func runEcho(o opts, lg *loadGen) (row, error) {
	port, err := freePort()
	if err != nil {
		return row{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return row{}, err
	}
	cmd := exec.Command(self, "echobot", "-port", port, "-token-url", fcTokenURL(lg.fc))
	cmd.Env = append(os.Environ(), splitEnv(o.echoEnv)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return row{}, err
	}
	defer stop(cmd)
	base := "http://127.0.0.1:" + port
	if err := waitReady(base + "/healthz"); err != nil {
		return row{}, err
	}
	lg.url = base + "/api/messages"
	lg.client = &fasthttp.HostClient{Addr: "127.0.0.1:" + port, MaxConns: max(o.conversations*2, 4096)}
	// msbotbuilder-go v0.2.5 reads the Bot Framework's OpenID metadata from
	// a fixed address on every request, so it cannot verify tokens of a
	// local issuer: it runs with authentication off (no app id), which it
	// grants to a header that is not a JWT.
	lg.authz = "Bearer none"
	pid := cmd.Process.Pid
	r, err := lg.measure("echo bot (msbotbuilder-go v0.2.5, auth off)", nil, func() (time.Duration, time.Duration) { return procCPU(pid), 0 })
	r.peakRSS = peakRSS(pid)
	return r, err
}

// procCPU is the user and system CPU time a process has used so far
// (/proc/<pid>/stat, in clock ticks of 1/100 s, Linux's USER_HZ).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(b), ") ") // after the command name
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// redisCPU is the CPU time the Redis server has used so far (INFO cpu).
func redisCPU(rdb *redis.Client) time.Duration {
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for line := range strings.SplitSeq(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func waitReady(u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after 30s", u)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

func redisFor(u string) (*redis.Client, string, error) {
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, "", fmt.Errorf("redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		return nil, "", fmt.Errorf("redis: %w", err)
	}
	return rdb, "turnbench:" + randid.Hex(4) + ":", nil
}

// clean deletes the run's keys (its prefix only; never a flush).
func clean(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	it := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for it.Next(ctx) {
		if batch = append(batch, it.Val()); len(batch) == 500 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

// cpuProfile fetches a CPU profile from the bot's pprof listener while the
// measured turns run.
func cpuProfile(base, path string) error {
	resp, err := http.Get(base + "/debug/pprof/profile?seconds=4")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fakeConnector is the Bot Connector both bots reply to, and the token
// endpoint both get their outbound token from. It tells the load
// generator when the reply to a message has arrived. It is served by
// fasthttp, as the load generator's client is: the harness shares the
// two cores with the bot, Redis and the echo bot, and what it spends per
// turn it takes from both bots alike (net/http on both sides cost 120-170
// µs a turn, about two thirds of a bot's own turn).
type fakeConnector struct {
	ln      net.Listener
	srv     *fasthttp.Server
	url     string
	mu      sync.Mutex
	waiting map[string]chan struct{}
	replies atomic.Int64
}

func newFakeConnector() (*fakeConnector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeConnector{ln: ln, url: "http://" + ln.Addr().String(), waiting: map[string]chan struct{}{}}
	f.srv = &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		path := ctx.Path()
		switch {
		case ctx.IsPost() && bytes.Equal(path, []byte("/botframework.com/oauth2/v2.0/token")):
			ctx.SetContentType("application/json")
			ctx.SetBodyString(`{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"bench-outbound-token"}`)
		case ctx.IsPost() && bytes.HasPrefix(path, []byte("/v3/conversations/")):
			f.arrived(replyTo(ctx.PostBody()))
			ctx.SetContentType("application/json")
			ctx.SetBodyString(`{"id":"1"}`)
		default:
			ctx.SetStatusCode(fasthttp.StatusNotFound)
		}
	}}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// replyTo is the "replyToId" of an activity as json.Marshal writes it
// (the ids here are plain "r<run>-m<n>", never escaped), or "".
func replyTo(body []byte) string {
	_, rest, ok := bytes.Cut(body, []byte(`"replyToId":"`))
	if !ok {
		return ""
	}
	id, _, _ := bytes.Cut(rest, []byte(`"`))
	return string(id)
}

func (f *fakeConnector) serviceURL() string { return f.url + "/" }

func (f *fakeConnector) expect(id string) chan struct{} {
	ch := make(chan struct{})
	f.mu.Lock()
	f.waiting[id] = ch
	f.mu.Unlock()
	return ch
}

func (f *fakeConnector) forget(id string) {
	f.mu.Lock()
	delete(f.waiting, id)
	f.mu.Unlock()
}

func (f *fakeConnector) arrived(replyTo string) {
	f.replies.Add(1)
	f.mu.Lock()
	ch := f.waiting[replyTo]
	delete(f.waiting, replyTo)
	f.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

func (f *fakeConnector) Close() { _ = f.srv.Shutdown() }

// token is a channel → bot token as the Bot Connector sends it; like the
// Connector, the load generator reuses it for its lifetime.
func token(idp *testissuer.Issuer, serviceURL string) (string, error) {
	now := time.Now()
	return idp.Token(jwt.MapClaims{
		"iss": "https://api.botframework.com", "aud": appID, "serviceurl": serviceURL,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
	})
}

// loadGen drives one bot: conversations in parallel, each one turn at a time.
type loadGen struct {
	o      opts
	fc     *fakeConnector
	client *fasthttp.HostClient
	url    string
	authz  string
	run    atomic.Int64 // distinguishes message ids across runs
}

func (l *loadGen) body(conv int, id string) []byte {
	return fmt.Appendf(nil, `{"type":"message","id":%q,"timestamp":%q,"channelId":"msteams","serviceUrl":%q,`+
		`"from":{"id":"29:bench-user-%d","aadObjectId":"00000000-0000-4000-8000-%012d"},"recipient":{"id":"28:%s"},`+
		`"conversation":{"id":"a:bench-conv-%d","conversationType":"personal","tenantId":%q},`+
		`"channelData":{"tenant":{"id":%q}},"locale":"da-DK","text":%q}`,
		id, time.Now().UTC().Format(time.RFC3339Nano), l.fc.serviceURL(), conv, conv, appID, conv, tenantID, tenantID, l.o.text)
}

// turn sends one message and waits for both the HTTP answer and the reply.
// Latency counts from t0: when the turn was sent, or (open loop) when it
// was due, so a generator that falls behind does not hide the wait.
func (l *loadGen) turn(conv int, id string, t0 time.Time) (time.Duration, error) {
	done := l.fc.expect(id)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI(l.url)
	req.Header.SetContentType("application/json")
	req.Header.Set("Authorization", l.authz)
	req.SetBody(l.body(conv, id))
	if t0.IsZero() {
		t0 = time.Now()
	}
	if err := l.client.Do(req, resp); err != nil {
		l.fc.forget(id)
		return 0, err
	}
	if resp.StatusCode() != http.StatusOK {
		l.fc.forget(id)
		return 0, fmt.Errorf("POST: status %d", resp.StatusCode())
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		l.fc.forget(id)
		return 0, errors.New("the reply never arrived at the connector")
	}
	return time.Since(t0), nil
}

// phase runs n turns over the conversations and returns their latencies
// and the wall time.
func (l *loadGen) phase(n int) ([]time.Duration, time.Duration, error) {
	if l.o.rate > 0 {
		return l.openPhase(n)
	}
	run := l.run.Add(1)
	var next atomic.Int64
	lat := make([][]time.Duration, l.o.conversations)
	errs := make([]error, l.o.conversations)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range l.o.conversations {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				d, err := l.turn(c, fmt.Sprintf("r%d-m%d", run, i), time.Time{})
				if err != nil {
					errs[c] = err
					return
				}
				lat[c] = append(lat[c], d)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return slices.Concat(lat...), wall, nil
}

// openPhase sends n turns on a fixed schedule of -rate a second, each in
// its own goroutine, conversation i mod -conversations.
func (l *loadGen) openPhase(n int) ([]time.Duration, time.Duration, error) {
	run := l.run.Add(1)
	interval := time.Second / time.Duration(l.o.rate)
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		wg.Go(func() {
			lat[i], errs[i] = l.turn(i%l.o.conversations, fmt.Sprintf("r%d-m%d", run, i), due)
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return lat, wall, nil
}

func (l *loadGen) measure(name string, profile func() error, cpu func() (bot, redis time.Duration)) (row, error) {
	fmt.Printf("%s: warming up…\n", name)
	if _, _, err := l.phase(l.o.warmup); err != nil {
		return row{}, fmt.Errorf("%s: %w", name, err)
	}
	var perr error
	var pwg sync.WaitGroup
	if profile != nil {
		pwg.Go(func() { perr = profile() })
	}
	bot0, redis0 := cpu()
	gen0 := procCPU(os.Getpid())
	all, wall, err := l.phase(l.o.turns)
	gen1 := procCPU(os.Getpid())
	bot1, redis1 := cpu()
	pwg.Wait()
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", name, err)
	}
	if perr != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", perr)
	} else if profile != nil {
		fmt.Printf("%s: CPU profile written to %s\n", name, l.o.cpuprofile)
	}
	slices.Sort(all)
	p := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	r := row{name: name, tps: float64(len(all)) / wall.Seconds(), p50: p(0.50), p99: p(0.99),
		botCPU: (bot1 - bot0) / time.Duration(len(all)), redisCPU: (redis1 - redis0) / time.Duration(len(all)),
		genCPU: (gen1 - gen0) / time.Duration(len(all))}
	fmt.Printf("%s: %d turns in %v (p10 %s, p90 %s, p95 %s, p99.9 %s, max %s)\n", name, len(all), wall.Round(time.Millisecond),
		ms(p(0.10)), ms(p(0.90)), ms(p(0.95)), ms(p(0.999)), ms(all[len(all)-1]))
	return r, nil
}
