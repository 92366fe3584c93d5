package bot_test

// Resilience (issue 8, parts 1-3): Redis stopped and restarted under load,
// Bot Connector faults through the whole pipeline, and duplicate and
// concurrent deliveries.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/internal/contenttest"
	"github.com/kk/graensen/locales"
)

// ---------------------------------------------------------------------------
// A redis-server process the test controls.

// redisProc is a real redis-server on a free loopback port, persisting with
// an append-only file fsynced on every write, in a directory of its own, so
// that it can be killed (SIGKILL, no chance to save) and restarted on the
// same data.
type redisProc struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisProc(t *testing.T) *redisProc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed (CI installs it): skipping the Redis fault test")
	}
	p := &redisProc{t: t, port: freePort(t), dir: t.TempDir()}
	p.start()
	t.Cleanup(p.kill)
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (p *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func (p *redisProc) start() {
	p.t.Helper()
	p.cmd = exec.Command("redis-server",
		"--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", p.dir, "--logfile", filepath.Join(p.dir, "redis.log"))
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: p.addr(), DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
			p.t.Fatalf("redis-server did not come up on %s:\n%s", p.addr(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server the hard way: no shutdown, no final save.
func (p *redisProc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.cmd = nil
}

// storeClient is a client with the production settings of cmd/graensen
// (short timeouts, one retry), so a down Redis fails turns quickly.
func storeClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1})
}

// ---------------------------------------------------------------------------
// Helpers for tests that post from many goroutines (t.Fatal is only for the
// test's own goroutine).

func postRaw(url string, a any) (int, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return 0, err
	}
	resp, err := http.Post(url+"/api/messages", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// repliesTo returns what the connector received in reply to activity id.
func repliesTo(h *bottest.Harness, id string) []bottest.Sent {
	var out []bottest.Sent
	for _, s := range h.Conn.Settle(0) {
		if s.Activity.ReplyToID == id {
			out = append(out, s)
		}
	}
	return out
}

// waitReplyTo waits up to d for the first reply to activity id.
func waitReplyTo(h *bottest.Harness, id string, d time.Duration) (bottest.Sent, bool) {
	return waitFirst(h, d, func(s bottest.Sent) bool { return s.Activity.ReplyToID == id })
}

// waitFirst waits up to d for the first request the connector received
// that matches pred (woken at each arrival, not polling).
func waitFirst(h *bottest.Harness, d time.Duration, pred func(bottest.Sent) bool) (bottest.Sent, bool) {
	at := -1
	sent, ok := h.Conn.Until(d, func(got []bottest.Sent) bool {
		at = slices.IndexFunc(got, pred)
		return at >= 0
	})
	if !ok {
		return bottest.Sent{}, false
	}
	return sent[at], true
}

// isApology tells the kind "technical problem" card from a real answer
// (safe to call from any goroutine).
func isApology(s bottest.Sent) bool {
	var txt string
	for _, at := range s.Activity.Attachments {
		txt += bottest.CardText(at.Content)
	}
	return strings.Contains(txt, "teknisk fejl") || strings.Contains(txt, "technical")
}

func readyStatus(h *bottest.Harness) int {
	resp, err := http.Get(h.HTTP.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// crashAdmin is the AMK admin of the crash test's campaigns.
const crashAdmin = "aad-crash-admin"

// stored is what Redis holds for one conversation and user, opened.
type stored struct {
	found   bool
	state   dialogs.State
	profile dialogs.Profile
}

// loadStored reads a conversation's state and a user's profile the way the
// bot does: keyed hashes from the harness's Hasher, state opened with its Keys.
func loadStored(ctx context.Context, h *bottest.Harness, convID, aad string) (stored, error) {
	conv := h.Hasher.Sum("conv", "msteams|"+convID)
	user := h.Hasher.Sum("user", "aad:"+aad)
	data, err := h.Store.LoadTurn(ctx, conv, user)
	if err != nil {
		return stored{}, err
	}
	var s stored
	if len(data.Conv) > 0 {
		plain, err := h.Keys.Open(data.Conv, []byte("conv:"+conv))
		if err != nil {
			return s, fmt.Errorf("open state: %w", err)
		}
		if err := json.Unmarshal(plain, &s.state); err != nil {
			return s, err
		}
		s.found = true
	}
	if len(data.Profile) > 0 {
		plain, err := h.Keys.Open(data.Profile, []byte("profile:"+user)) // sealed (profile.go)
		if err != nil {
			return s, fmt.Errorf("open profile: %w", err)
		}
		if err := json.Unmarshal(plain, &s.profile); err != nil {
			return s, err
		}
	}
	return s, nil
}

// ---------------------------------------------------------------------------
// 1. Redis stopped and restarted under load.

// turnRecord is one message a load worker sent and what came of it.
type turnRecord struct {
	worker, seq int
	id          string // activity id
	conv        string // conversation id (one per message, see below)
	aad         string // the worker's user
	kind        string // "lang" (a language choice), "reminder" (a reminder set), "report" (a report filed), "campaign" (one scheduled)
	lang        dialogs.Lang
	outcome     string // "ok" (a real reply), "sorry" (the apology), "none"
	receipt     string // the receipt code a filed report was answered with
	campaign    string // the id of a scheduled campaign
	afterKill   bool   // sent after Redis was killed
}

// ackCheck is one promise a reply makes: what the turn committed is still
// there after Redis crashed and came back. It gets every acknowledged turn
// (outcome "ok") and returns what is missing.
//
// Features that commit more in a turn add their row here, with prepare
// sending the turns that lead to it. A campaign's sending across a crash
// (each recipient's message sent once: the campaign worker's stream and
// markers) is TestCampaignSendingSurvivesRedisCrash.
type ackCheck struct {
	name  string
	kinds []string // the record kinds it applies to; nil: all
	check func(ctx context.Context, h *bottest.Harness, r turnRecord) error
}

var ackChecks = []ackCheck{
	{"dialog state committed with the reply (activity id in State.Seen)", nil, func(ctx context.Context, h *bottest.Harness, r turnRecord) error {
		s, err := loadStored(ctx, h, r.conv, r.aad)
		if err != nil {
			return err
		}
		if !s.found || !slices.Contains(s.state.Seen, r.id) {
			return fmt.Errorf("conversation state lost (found=%v, seen=%v)", s.found, s.state.Seen)
		}
		return nil
	}},
	{"reminder in the profile and scheduled once (dialogs/reminder.go, bot/reminder)", []string{"reminder"}, func(ctx context.Context, h *bottest.Harness, r turnRecord) error {
		s, err := loadStored(ctx, h, r.conv, r.aad)
		if err != nil {
			return err
		}
		if len(s.profile.Reminders) != 1 {
			return fmt.Errorf("profile holds %d reminders, want the 1 acknowledged", len(s.profile.Reminders))
		}
		item := reminder.ItemID(h.Hasher.Sum("user", "aad:"+r.aad), s.profile.Reminders[0].ID)
		rdb := h.Store.Client()
		if err := rdb.ZScore(ctx, h.Store.Key("sched"), item).Err(); err != nil {
			return fmt.Errorf("reminder not in the schedule: %w", err)
		}
		if n, err := rdb.Exists(ctx, h.Store.Key("sched", "i", item)).Result(); err != nil || n != 1 {
			return fmt.Errorf("scheduled item missing: %d %v", n, err)
		}
		return nil
	}},
	{"campaign stored and scheduled once (bot/campaign)", []string{"campaign"}, func(ctx context.Context, h *bottest.Harness, r turnRecord) error {
		if r.campaign == "" {
			return errors.New("the acknowledgement named no campaign")
		}
		rdb := h.Store.Client()
		if n, err := rdb.Exists(ctx, h.Store.Key("campaign", r.campaign)).Result(); err != nil || n != 1 {
			return fmt.Errorf("campaign not stored: %d %v", n, err)
		}
		items, err := rdb.ZRange(ctx, h.Store.Key("sched"), 0, -1).Result()
		if err != nil {
			return err
		}
		n := 0
		for _, it := range items {
			if strings.HasPrefix(it, "campaign:"+r.campaign+":") {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("campaign start scheduled %d times", n)
		}
		return nil
	}},
	{"report filed: its receipt opens the case (bot/report)", []string{"report"}, func(ctx context.Context, h *bottest.Harness, r turnRecord) error {
		if r.receipt == "" {
			return errors.New("the acknowledgement showed no receipt code")
		}
		id := r.id + "-check"
		a := h.DialogInvoke(id, "task/submit", map[string]any{"a": dialogs.VerbReceiptCheck, "code": r.receipt})
		a.Conversation.ID, a.From = r.conv+"-check", schema.ChannelAccount{ID: "29:" + r.aad, AadObjectID: r.aad}
		code, body, err := postBody(h.HTTP.URL, a)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("receipt check: %d %v", code, err)
		}
		s, ok := dialogSent(body)
		if !ok || submitWith(s, dialogs.VerbReceiptMessage) == nil {
			return fmt.Errorf("the receipt does not open an open case: %q", bottest.CardText(s.Activity.Attachments))
		}
		return nil
	}},
}

// TestRedisCrashUnderLoad kills a real redis-server (SIGKILL) while turns
// are running and restarts it on the same append-only file. While it is
// down every turn gets the kind apology and /readyz says 503; after the
// restart turns succeed again by themselves and /readyz says 200; and every
// turn that was acknowledged with a real reply still has its state: the
// conversation state, the language saved in the profile, a reminder set
// (in the profile and the schedule, once), a filed report (its receipt
// opens the case; no case twice) and a scheduled campaign (stored, its
// start scheduled once). No activity is answered twice.
//
// Each message is sent in a conversation of its own (the user is the same
// for all of a worker's messages), so that every acknowledged turn keeps
// its own state to check, however many turns run; the profile, shared by a
// worker's turns, must hold the language of its last applied turn.
func TestRedisCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills redis-server")
	}
	rp := startRedisProc(t)
	redis.SetLogger(quietRedis{}) // the pool's "failed to dial" lines while down are expected
	rdb := storeClient(rp.addr())
	t.Cleanup(func() { rdb.Close() })
	var reports *report.Service
	h := bottest.New(t, bottest.Options{Local: true, Store: redisstore.New(rdb, "crash:"),
		Engine: dialogs.Config{Admins: []string{crashAdmin}},
		Effects: func(h *bottest.Harness) []effect.Func {
			reports = report.New(h.Store, h.Keys, h.Hasher, nil)
			reports.Send = h.Send
			reports.Limits = report.Limits{FilesPerUserDay: 1000, FilesPerDay: 100000, GuessesPerHour: 1000, GuessesAllPerHour: 100000, ChecksPerHour: 100000, MsgsPerCaseDay: 100000}
			cc, _ := connector.New(connector.Config{MaxRetries: -1})
			camps := campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: cards.New(locales.MustBundle()), Conn: cc})
			return []effect.Func{reminder.Effect(h.Store), reports.Effect, camps.Effect()}
		}})
	playbook := contenttest.Small().Playbooks[0].ID // the library bottest runs on

	const workers = 8
	var (
		mu      sync.Mutex
		records []turnRecord
		killed  atomic.Bool
		stop    atomic.Bool
		count   [workers]struct{ ok, sorry, okAfterRestart, sorryAfterKill int }
		restart atomic.Bool
		wg      sync.WaitGroup
		errs    = make(chan error, workers)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			aad := fmt.Sprintf("aad-crash-%d", w)
			for seq := 0; !stop.Load(); seq++ {
				r := turnRecord{worker: w, seq: seq, id: fmt.Sprintf("crash-%d-%d", w, seq),
					conv: fmt.Sprintf("a:crash-%d-%d", w, seq), aad: aad, kind: "lang", afterKill: killed.Load()}
				switch w % 4 {
				case 1:
					r.kind, r.aad = "reminder", fmt.Sprintf("aad-crash-%d-%d", w, seq)
				case 2:
					r.kind, r.aad = "campaign", crashAdmin
				case 3:
					r.kind, r.aad = "report", fmt.Sprintf("aad-crash-%d-%d", w, seq)
				}
				a, ready, err := prepare(h, &r, playbook)
				if err != nil {
					errs <- err
					return
				}
				r.outcome = "none"
				after := restart.Load()
				if !ready { // a turn before the one checked failed (Redis down)
					r.outcome = "sorry"
				} else {
					var s bottest.Sent
					var ok bool
					if r.kind == "report" {
						// Filing is a dialog invoke: the receipt comes in its body.
						code, body, err := postBody(h.HTTP.URL, a)
						if err != nil || code != http.StatusOK {
							errs <- fmt.Errorf("post %s: %d %v", r.id, code, err)
							return
						}
						after = restart.Load()
						s, ok = dialogSent(body)
					} else {
						code, err := postRaw(h.HTTP.URL, a)
						if err != nil || code != http.StatusOK {
							errs <- fmt.Errorf("post %s: %d %v", r.id, code, err)
							return
						}
						after = restart.Load()
						s, ok = waitCardTo(h, r.id, 5*time.Second)
					}
					if ok {
						r.outcome = "ok"
						if isApology(s) {
							r.outcome = "sorry"
						} else if r.kind == "report" {
							r.receipt = receiptCode(s)
						} else if d := submitWith(s, dialogs.VerbCampaignStatus); r.kind == "campaign" && d != nil {
							r.campaign, _ = d["v"].(string)
						}
					}
				}
				mu.Lock()
				records = append(records, r)
				switch r.outcome {
				case "ok":
					count[w].ok++
					if after {
						count[w].okAfterRestart++
					}
				case "sorry":
					count[w].sorry++
					if r.afterKill {
						count[w].sorryAfterKill++
					}
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	waitFor := func(what string, d time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !cond() {
			select {
			case err := <-errs:
				stop.Store(true)
				t.Fatal(err)
			default:
			}
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("timed out waiting for %s; counts %+v", what, count)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	every := func(f func(w int) bool) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for w := 0; w < workers; w++ {
				if !f(w) {
					return false
				}
			}
			return true
		}
	}

	// Up: every worker has turns acknowledged.
	waitFor("turns before the crash", 20*time.Second, every(func(w int) bool { return count[w].ok >= 5 }))
	if got := readyStatus(h); got != http.StatusOK {
		t.Fatalf("readyz = %d with Redis up", got)
	}

	// Crash, with turns in flight.
	killed.Store(true)
	rp.kill()
	notReady := false
	waitFor("apologies while Redis is down", 20*time.Second, func() bool {
		if readyStatus(h) == http.StatusServiceUnavailable {
			notReady = true
		}
		return every(func(w int) bool { return count[w].sorryAfterKill >= 3 })()
	})
	if !notReady {
		t.Error("readyz never said 503 while Redis was down")
	}

	// Restart on the same data; the bot must find it again by itself.
	rp.start()
	restart.Store(true)
	waitFor("turns after the restart", 20*time.Second, every(func(w int) bool { return count[w].okAfterRestart >= 5 }))
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := readyStatus(h); got != http.StatusOK {
		t.Fatalf("readyz = %d after the restart", got)
	}

	ctx := context.Background()
	var ok, sorry, none int
	okKind, okBefore := map[string]int{}, map[string]int{}
	lastOK := map[string]turnRecord{}
	for _, r := range records {
		switch r.outcome {
		case "ok":
			ok++
			okKind[r.kind]++
			if !r.afterKill {
				okBefore[r.kind]++
			}
			if p, seen := lastOK[r.aad]; r.kind == "lang" && (!seen || r.seq > p.seq) {
				lastOK[r.aad] = r
			}
		case "sorry":
			sorry++
		default:
			none++
		}
		// Nothing is answered twice: one new card (the reply or the apology)
		// per activity; a report's answer also updates the card it came from.
		posts := 0
		for _, s := range repliesTo(h, r.id) {
			if s.Method == http.MethodPost {
				posts++
			}
		}
		if posts > 1 {
			t.Errorf("%s answered %d times", r.id, posts)
		}
	}
	t.Logf("%d turns: %d acknowledged %v (before the crash %v), %d apologies, %d without answer", len(records), ok, okKind, okBefore, sorry, none)
	if okBefore["lang"] == 0 || okBefore["reminder"] == 0 || okBefore["report"] == 0 || okBefore["campaign"] == 0 {
		t.Fatalf("nothing acknowledged before the crash to check: %v", okBefore)
	}

	// Every acknowledged turn's state survived the crash.
	for _, r := range records {
		if r.outcome != "ok" {
			continue
		}
		for _, c := range ackChecks {
			if c.kinds != nil && !slices.Contains(c.kinds, r.kind) {
				continue
			}
			if err := c.check(ctx, h, r); err != nil {
				t.Errorf("acknowledged %s (%s, sent after kill: %v): %s: %v", r.id, r.outcome, r.afterKill, c.name, err)
			}
		}
	}
	// Each report is filed once: no more cases than reports sent, no fewer
	// than were acknowledged.
	var sent, acked int
	for _, r := range records {
		if r.kind == "report" && r.outcome != "sorry" {
			sent++
		}
		if r.kind == "report" && r.outcome == "ok" {
			acked++
		}
	}
	var cases int
	iter := h.Store.Client().Scan(ctx, 0, h.Store.Key("report", "*"), 1000).Iterator()
	for iter.Next(ctx) {
		if k := strings.TrimPrefix(iter.Val(), h.Store.Key("report", "")); !strings.Contains(k, ":") {
			cases++
		}
	}
	if cases < acked || cases > sent {
		t.Errorf("%d cases for %d reports acknowledged (%d sent without an apology)", cases, acked, sent)
	}
	if acked > 0 {
		t.Logf("%d cases stored for %d reports acknowledged", cases, acked)
	}

	// The profile holds the language of the worker's last applied turn: the
	// last acknowledged one, unless a later turn committed but could not
	// say so (Redis died between commit and answer).
	for aad, last := range lastOK {
		var applied turnRecord
		for _, r := range records {
			if r.aad != aad || r.seq < last.seq {
				continue
			}
			s, err := loadStored(ctx, h, r.conv, r.aad)
			if err != nil {
				t.Fatal(err)
			}
			if s.found && r.seq >= applied.seq {
				applied = r
			}
		}
		s, err := loadStored(ctx, h, last.conv, aad)
		if err != nil {
			t.Fatal(err)
		}
		if s.profile.Lang != applied.lang {
			t.Errorf("%s: profile language %q, want %q of its last applied turn %s (last acknowledged %s)", aad, s.profile.Lang, applied.lang, applied.id, last.id)
		}
	}
	if t.Failed() {
		if log, err := os.ReadFile(filepath.Join(rp.dir, "redis.log")); err == nil {
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			t.Logf("redis log (tail):\n%s", strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	}
}

// crashConnector is a fake Bot Connector for campaign sends: it records
// every message each conversation receives, and can run a hook on the
// k-th delivery after recording it and before answering (Redis is killed
// there, so the sender learns of its success only with Redis gone).
type crashConnector struct {
	mu        sync.Mutex
	delivered map[string]int
	total     int
	onNth     int
	hook      func(conv string)
}

func (c *crashConnector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v3/conversations/")
	conv, _, _ := strings.Cut(rest, "/")
	if !ok || conv == "" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusOK) // progress-card updates: none here
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	time.Sleep(5 * time.Millisecond) // a few sends are in flight at any moment
	c.mu.Lock()
	c.delivered[conv]++
	c.total++
	n, hook := c.total, c.hook
	c.mu.Unlock()
	if n == c.onNth && hook != nil {
		hook(conv)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"id":"act-%d"}`, n)
}

func (c *crashConnector) counts() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.delivered), c.total
}

// TestCampaignSendingSurvivesRedisCrash is the campaign row of the crash
// test: a campaign to N recipients is sent by two replicas; Redis is
// SIGKILLed mid-campaign (AOF, appendfsync always) at the moment a send
// has been delivered but not yet recorded, stays down for a while and is
// restarted on the same data. The workers resume by themselves and every
// recipient gets the message exactly once: none lost, none twice, the
// send made just before the crash included (its worker keeps its outcome
// until Redis is back; docs/campaigns.md "Exactly once and crashes" gives
// the bound when a replica dies too or Redis stays down beyond the lease).
func TestCampaignSendingSurvivesRedisCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills redis-server")
	}
	rp := startRedisProc(t)
	redis.SetLogger(quietRedis{})
	rdb := storeClient(rp.addr())
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, "crashcamp:")
	ctx := context.Background()
	fake := &crashConnector{delivered: map[string]int{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	hasher, _ := seal.NewHasher(bytes.Repeat([]byte{7}, 32))
	keys, _ := seal.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	conn, err := connector.New(connector.Config{MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}

	// N users as the bot stores them: a sealed reference, a profile, the
	// sealed Entra id and membership of the users set.
	const n = 300
	pipe := rdb.Pipeline()
	for i := range n {
		aad := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		key := hasher.Sum("user", "aad:"+aad)
		ref, _ := json.Marshal(activity.Ref{ServiceURL: srv.URL + "/", ChannelID: "msteams", ConversationID: "a:" + aad, UserID: "29:" + aad, BotID: "28:bot", Locale: "da-DK"})
		pipe.HSet(ctx, store.Key("user", key), "v", 1, "p", "{}", "ref", keys.Seal(ref, []byte("ref:"+key)), "aad", keys.Seal([]byte(aad), []byte("aad:"+key)))
		pipe.SAdd(ctx, store.Key("users"), key)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	replica := func(name string) *campaign.Service {
		return campaign.New(campaign.Config{Store: store, Keys: keys, Hasher: hasher, Renderer: cards.New(locales.MustBundle()), Conn: conn,
			Rate: 100, Workers: 8, Consumer: name, Poll: 10 * time.Millisecond, ClaimIdle: 500 * time.Millisecond, Lease: 10 * time.Second})
	}
	r1, r2 := replica("r1"), replica("r2")
	id := "c0000000000000901"
	sp := dialogs.CampaignSpec{ID: id, TitleDA: "Trin 2", TextDA: "Husk fristen", TitleEN: "Step 2", TextEN: "Remember the deadline",
		Audience: dialogs.CampaignAudience{Kind: dialogs.AudienceAll}, Ack: true}
	if err := r1.Create(ctx, sp); err != nil {
		t.Fatal(err)
	}
	if err := r1.Start(ctx, id); err != nil {
		t.Fatal(err)
	}

	// The kill: on the 100th delivery, before Teams' answer reaches the
	// worker.
	killed := make(chan string, 1)
	fake.mu.Lock()
	fake.onNth = n / 3
	fake.hook = func(conv string) { rp.kill(); killed <- conv }
	fake.mu.Unlock()
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, r := range []*campaign.Service{r1, r2} {
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(runCtx) }()
	}
	defer func() { stop(); wg.Wait() }()
	var lastBeforeCrash string
	select {
	case lastBeforeCrash = <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("the campaign never reached the kill point")
	}
	_, atKill := fake.counts()
	time.Sleep(1500 * time.Millisecond) // down: sends in flight finish, nothing new starts
	_, whileDown := fake.counts()
	rp.start()

	deadline := time.Now().Add(60 * time.Second)
	var p campaign.Progress
	for {
		if p, err = r1.Progress(ctx, id); err == nil && p.State == campaign.StateDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign not done after the restart: %+v %v", p, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()

	got, total := fake.counts()
	var lost, twice []string
	for i := range n {
		conv := fmt.Sprintf("a:00000000-0000-4000-8000-%012d", i)
		switch c := got[conv]; {
		case c == 0:
			lost = append(lost, conv)
		case c > 1:
			twice = append(twice, fmt.Sprintf("%s×%d", conv, c))
		}
	}
	t.Logf("%d sends: %d before the kill, %d more in flight while Redis was down; taken over r1/r2: %v",
		total, atKill, whileDown-atKill, func() [2]int64 { _, a := r1.Counts(); _, b := r2.Counts(); return [2]int64{a, b} }())
	if len(lost) > 0 {
		t.Errorf("%d recipients lost: %v", len(lost), lost[:min(len(lost), 10)])
	}
	if len(twice) > 0 {
		t.Errorf("%d recipients got the message more than once: %v", len(twice), twice[:min(len(twice), 10)])
	}
	if got[lastBeforeCrash] != 1 {
		t.Errorf("the send made just before the crash went %d times", got[lastBeforeCrash])
	}
	if total != n || p.Total != n || p.Sent != n || p.Failed != 0 || p.Queued != 0 || p.Retrying != 0 {
		t.Errorf("%d sends; progress %+v", total, p)
	}
	rows, err := r1.Rows(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.Status != campaign.Sent {
			t.Errorf("export: %s is %s (%s)", row.AadID, row.Status, row.Code)
		}
	}
	if t.Failed() {
		if log, err := os.ReadFile(filepath.Join(rp.dir, "redis.log")); err == nil {
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			t.Logf("redis log (tail):\n%s", strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	}
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// prepare builds the turn to check for a record, first sending the turns
// that lead up to it in the record's own conversation: for a reminder, the
// picker is opened; for a report, the intake interview is answered up to
// the confirmation. ready is false when one of those was not answered
// (Redis was down): then there is nothing to check.
func prepare(h *bottest.Harness, r *turnRecord, playbook string) (a schema.Activity, ready bool, err error) {
	from := schema.ChannelAccount{ID: "29:" + r.aad, AadObjectID: r.aad}
	step := 0
	// send posts values (or text) and returns the new card it got.
	send := func(values map[string]any, text string) (bottest.Sent, bool, error) {
		step++
		id := fmt.Sprintf("%s-p%d", r.id, step)
		a := h.Message(id, text)
		if values != nil {
			a = h.Submit(id, values)
			a.ReplyToID = "card-" + id
		}
		a.Conversation.ID, a.From = r.conv, from
		if code, err := postRaw(h.HTTP.URL, a); err != nil || code != http.StatusOK {
			return bottest.Sent{}, false, fmt.Errorf("post %s: %d %v", id, code, err)
		}
		s, ok := waitCardTo(h, id, 5*time.Second)
		return s, ok && !isApology(s), nil
	}
	final := func(values map[string]any) schema.Activity {
		a := h.Submit(r.id, values)
		a.ReplyToID = "card-" + r.id
		a.Conversation.ID, a.From = r.conv, from
		return a
	}
	// dialog posts a dialog invoke (the report form lives in a Teams
	// dialog) and returns its answer as if it were a card sent.
	dialog := func(name string, values map[string]any) (bottest.Sent, bool, error) {
		step++
		id := fmt.Sprintf("%s-p%d", r.id, step)
		a := h.DialogInvoke(id, name, values)
		a.Conversation.ID, a.From = r.conv, from
		code, body, err := postBody(h.HTTP.URL, a)
		if err != nil || code != http.StatusOK {
			return bottest.Sent{}, false, fmt.Errorf("post %s: %d %v", id, code, err)
		}
		s, ok := dialogSent(body)
		return s, ok && !isApology(s) && len(s.Activity.Attachments) == 1, nil
	}
	switch r.kind {
	case "reminder":
		// Open the picker, then pick "tomorrow" (the turn checked).
		s, ok, err := send(map[string]any{"a": dialogs.VerbRemind, "v": playbook + ":0"}, "")
		if err != nil || !ok {
			return a, false, err
		}
		pick := submitWith(s, "remind-pick")
		if pick == nil {
			return a, false, fmt.Errorf("%s: no pick button", r.id)
		}
		pick["v"] = "tomorrow"
		return final(pick), true, nil
	case "campaign":
		// An AMK admin fills in the form, previews, and schedules (the
		// turn checked).
		s, ok, err := send(map[string]any{"a": dialogs.VerbCampaign}, "")
		if err != nil || !ok {
			return a, false, err
		}
		prev := submitWith(s, "campaign-preview")
		if prev == nil {
			return a, false, fmt.Errorf("%s: no preview button", r.id)
		}
		for k, v := range map[string]any{"c_tda": "Husk", "c_xda": "Tal om det", "c_ten": "Remember", "c_xen": "Talk about it", "c_aud": dialogs.AudienceAll} {
			prev[k] = v
		}
		if s, ok, err = send(prev, ""); err != nil || !ok {
			return a, false, err
		}
		sched := submitWith(s, "campaign-schedule")
		if sched == nil {
			return a, false, fmt.Errorf("%s: no schedule button", r.id)
		}
		return final(sched), true, nil
	case "report":
		// The form, in the dialog window; sending it (the turn checked)
		// files the case.
		s, ok, err := dialog("task/fetch", map[string]any{"a": dialogs.VerbReport})
		answers := []map[string]any{
			{},
			{"what": "noget skete", "when": "month", "where": "event"},
			{"often": "several", "duration": "months", "grave": "much", "who": "colleague"},
			{"wants": "advice", "notify": "false"},
		}
		for _, ans := range answers {
			if err != nil || !ok {
				return a, false, err
			}
			next := submitWith(s, "report-next")
			if next == nil {
				return a, false, fmt.Errorf("%s: no next button in %q", r.id, bottest.CardText(s.Activity.Attachments[0].Content))
			}
			for k, v := range ans {
				next[k] = v
			}
			s, ok, err = dialog("task/submit", next)
		}
		if err != nil || !ok {
			return a, false, err
		}
		submit := submitWith(s, "report-submit")
		if submit == nil {
			return a, false, fmt.Errorf("%s: no send button in %q", r.id, bottest.CardText(s.Activity.Attachments[0].Content))
		}
		a = h.DialogInvoke(r.id, "task/submit", submit)
		a.Conversation.ID, a.From = r.conv, from
		return a, true, nil
	}
	r.lang = dialogs.English
	text := "english"
	if r.seq%2 == 1 {
		text, r.lang = "dansk", dialogs.Danish
	}
	a = h.Message(r.id, text)
	a.Conversation.ID, a.From = r.conv, from
	return a, true, nil
}

// postBody posts an activity and returns the answer's body (an invoke's).
func postBody(url string, a any) (int, []byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.Post(url+"/api/messages", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// dialogSent reads a dialog invoke's answer as a card sent: the window's
// card, or its message (the apology) as a one-line card. ok is false when
// there was no answer at all.
func dialogSent(body []byte) (bottest.Sent, bool) {
	var r struct {
		Task struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"task"`
	}
	if len(body) == 0 || json.Unmarshal(body, &r) != nil {
		return bottest.Sent{}, false
	}
	var content any
	switch r.Task.Type {
	case "continue":
		var info struct {
			Card struct {
				Content map[string]any `json:"content"`
			} `json:"card"`
		}
		if json.Unmarshal(r.Task.Value, &info) != nil || info.Card.Content == nil {
			return bottest.Sent{}, false
		}
		content = info.Card.Content
	case "message":
		var msg string
		_ = json.Unmarshal(r.Task.Value, &msg)
		content = map[string]any{"type": "AdaptiveCard", "body": []any{map[string]any{"type": "TextBlock", "text": msg}}}
	default:
		return bottest.Sent{}, false
	}
	return bottest.Sent{Method: http.MethodPost, Activity: schema.Activity{Attachments: []schema.Attachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: content}}}}, true
}

// waitCardTo waits for the first new card (a POST, not a card update)
// in reply to activity id.
func waitCardTo(h *bottest.Harness, id string, d time.Duration) (bottest.Sent, bool) {
	return waitFirst(h, d, func(s bottest.Sent) bool { return s.Activity.ReplyToID == id && s.Method == http.MethodPost })
}

// receiptCode reads the receipt code off the receipt card (the one raw,
// monospaced text).
func receiptCode(s bottest.Sent) string {
	if len(s.Activity.Attachments) == 0 {
		return ""
	}
	card, _ := s.Activity.Attachments[0].Content.(map[string]any)
	body, _ := card["body"].([]any)
	for _, b := range body {
		if m, ok := b.(map[string]any); ok && m["fontType"] == "Monospace" {
			code, _ := m["text"].(string)
			return code
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// 2. Bot Connector faults through the whole pipeline.

// sleeps records the connector's waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// TestConnectorFaultsThroughThePipeline sends one message per case and lets
// the fake Bot Connector answer with a fault first. The rules (platform.md
// §3, bot/connector): 429 waits for Retry-After, or backs off exponentially
// without it; 412, 502, 503, 504 back off; at most 4 retries; nothing else
// is retried, and a POST that may have reached Teams (timeout, dropped
// connection) is never repeated: a second reply is worse than none.
func TestConnectorFaultsThroughThePipeline(t *testing.T) {
	const (
		base = 500 * time.Millisecond // connector.DefaultBaseBackoff
	)
	allRetries := []int{429, 429, 429, 429, 429, 429, 429}
	cases := []struct {
		name       string
		fail       []int
		retryAfter string
		attempts   int             // requests the connector sees
		delivered  int             // replies that arrive
		waits      []time.Duration // the waits between attempts
	}{
		{"429 with Retry-After", []int{429}, "3", 2, 1, []time.Duration{3 * time.Second}},
		{"429 without Retry-After", []int{429, 429}, "", 3, 1, []time.Duration{base, 2 * base}},
		{"429 with a Retry-After beyond the cap gives up", []int{429}, "3600", 1, 0, nil},
		{"429 for ever: bounded", allRetries, "", 5, 0, []time.Duration{base, 2 * base, 4 * base, 8 * base}},
		{"412", []int{412}, "", 2, 1, []time.Duration{base}},
		{"500 is not retried", []int{500}, "", 1, 0, nil},
		{"501 is not retried", []int{501}, "", 1, 0, nil},
		{"502", []int{502}, "", 2, 1, []time.Duration{base}},
		{"503 twice", []int{503, 503}, "", 3, 1, []time.Duration{base, 2 * base}},
		{"504", []int{504}, "", 2, 1, []time.Duration{base}},
		{"502 then 429 then 504", []int{502, 429, 504}, "1", 4, 1, []time.Duration{base, time.Second, 4 * base}},
		{"400 is not retried", []int{400}, "", 1, 0, nil},
		{"401 is not retried", []int{401}, "", 1, 0, nil},
		{"403 is not retried", []int{403}, "", 1, 0, nil},
		{"404 is not retried", []int{404}, "", 1, 0, nil},
		{"timeout on POST is not retried", []int{bottest.Hang}, "", 1, 0, nil},
		{"dropped connection on POST is not retried", []int{bottest.Drop}, "", 1, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sl sleeps
			h := bottest.New(t, bottest.Options{Local: true, ConnectorConfig: func(c *connector.Config) {
				c.Sleep = sl.sleep
				c.Jitter = func(d time.Duration) time.Duration { return d }
				c.Timeout = 300 * time.Millisecond
			}})
			// A first message that succeeds, so the fault hits a reused
			// connection too (where net/http itself could be tempted to
			// retry a POST).
			h.MustPost(h.Message("warm", "menu"))
			h.Conn.Wait(t, 1)
			h.Conn.Mu.Lock()
			h.Conn.Fail = slices.Clone(tc.fail)
			h.Conn.RetryAfter = tc.retryAfter
			h.Conn.Mu.Unlock()
			before := h.Conn.Attempts()

			h.MustPost(h.Message("m1", "hjælp"))
			h.Conn.WaitAttempts(before+tc.attempts, 5*time.Second)
			// Let anything extra (a retry that should not be) show up: waits
			// are instant here, a timed-out attempt takes the 300 ms timeout.
			settle := 200 * time.Millisecond
			if slices.Contains(tc.fail, bottest.Hang) || slices.Contains(tc.fail, bottest.Drop) {
				settle = 700 * time.Millisecond
			}
			sent := h.Conn.Settle(settle)
			if got := h.Conn.Attempts() - before; got != tc.attempts {
				t.Errorf("connector saw %d attempts, want %d", got, tc.attempts)
			}
			if got := len(repliesTo(h, "m1")); got != tc.delivered {
				t.Errorf("%d replies delivered, want %d", got, tc.delivered)
			}
			if len(sent) != 1+tc.delivered {
				t.Errorf("%d activities delivered in all, want %d", len(sent), 1+tc.delivered)
			}
			if got := sl.get(); !slices.Equal(got, tc.waits) {
				t.Errorf("waits %v, want %v", got, tc.waits)
			}
			if tc.delivered == 0 && !strings.Contains(h.Logs.String(), "output not delivered") {
				t.Errorf("an undelivered reply is not logged:\n%s", h.Logs.String())
			}
		})
	}
}

// TestConnectorThrottlingIsNoRetryStorm: twenty conversations answered while
// Teams throttles everything. Each reply is tried at most five times, then
// given up: the bot never multiplies the load on a service that asks it to
// slow down, and the turns themselves still complete (state saved).
func TestConnectorThrottlingIsNoRetryStorm(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	const convs = 20
	h.Conn.Mu.Lock()
	for i := 0; i < convs*10; i++ {
		h.Conn.Fail = append(h.Conn.Fail, http.StatusTooManyRequests)
	}
	h.Conn.Mu.Unlock()
	var wg sync.WaitGroup
	for i := 0; i < convs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := h.Message(fmt.Sprintf("storm-%d", i), "menu")
			a.Conversation.ID = fmt.Sprintf("a:storm-%d", i)
			if code, err := postRaw(h.HTTP.URL, a); err != nil || code != http.StatusOK {
				t.Errorf("post: %d %v", code, err)
			}
		}()
	}
	wg.Wait()
	h.Conn.WaitAttempts(convs*5, 5*time.Second)
	h.Conn.Settle(300 * time.Millisecond)
	if got := h.Conn.Attempts(); got != convs*(connector.DefaultMaxRetries+1) {
		t.Fatalf("%d attempts for %d replies under throttling, want exactly %d", got, convs, convs*(connector.DefaultMaxRetries+1))
	}
	// The turns completed: a later message in each conversation is a new
	// turn, not a redelivery, and is answered once throttling ends.
	h.Conn.Mu.Lock()
	h.Conn.Fail = nil
	h.Conn.Mu.Unlock()
	a := h.Message("after-storm", "menu")
	a.Conversation.ID = "a:storm-0"
	h.MustPost(a)
	if _, ok := waitReplyTo(h, "after-storm", 5*time.Second); !ok {
		t.Fatal("no reply after throttling ended")
	}
}

// TestUpdateIsRetriedAfterDroppedConnection: replacing a card (PUT) is
// idempotent, so a dropped connection is retried; sending (POST) is not
// (see the table above).
func TestUpdateIsRetriedAfterDroppedConnection(t *testing.T) {
	var sl sleeps
	h := bottest.New(t, bottest.Options{Local: true})
	client, err := connector.New(connector.Config{Sleep: sl.sleep, Jitter: func(d time.Duration) time.Duration { return d }})
	if err != nil {
		t.Fatal(err)
	}
	h.Conn.Mu.Lock()
	h.Conn.Fail = []int{bottest.Drop}
	h.Conn.Mu.Unlock()
	before := h.Conn.Attempts()
	act := &schema.Activity{Type: schema.Message, Text: "x"}
	if err := client.Update(context.Background(), h.Conn.Srv.URL+"/", "a:conv", "act-1", act); err != nil {
		t.Fatalf("update after a dropped connection: %v", err)
	}
	if got := h.Conn.Attempts() - before; got != 2 {
		t.Fatalf("update: %d attempts, want 2", got)
	}
	h.Conn.Mu.Lock()
	h.Conn.Fail = []int{bottest.Drop}
	h.Conn.Mu.Unlock()
	before = h.Conn.Attempts()
	if _, err := client.Send(context.Background(), h.Conn.Srv.URL+"/", "a:conv", act); err == nil {
		t.Fatal("send after a dropped connection reported success")
	}
	if got := h.Conn.Attempts() - before; got != 1 {
		t.Fatalf("send: %d attempts, want 1", got)
	}
}

// ---------------------------------------------------------------------------
// 3. Duplicate and concurrent deliveries.

// TestDuplicateDeliveries: Teams redelivers an activity it thinks timed out
// (the same id, about 15 s and again about 30 s later). The bot answers it
// once, whether the copies arrive at the same moment or later.
//
// Dedupe does not depend on elapsed time: the ids of the last 32 activities
// live in the conversation state itself and are committed atomically with
// the turn's answer (README, "Dedupe"). A copy that arrives 15 s later
// finds its id there just as one arriving 15 ms later does, so a short
// real pause proves the same as a 15 s one would; what can push an id out
// is only 32 newer activities in the same conversation, which the last
// part checks.
func TestDuplicateDeliveries(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	a := h.Message("dup-1", "hjælp")

	// At once: eight copies racing.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, err := postRaw(h.HTTP.URL, a); err != nil || code != http.StatusOK {
				t.Errorf("copy: %d %v", code, err)
			}
		}()
	}
	wg.Wait()
	waitReplyTo(h, "dup-1", 5*time.Second)

	// Later, after other turns in the conversation and a pause.
	for i := 0; i < 5; i++ {
		h.MustPost(h.Message(fmt.Sprintf("other-%d", i), "menu"))
	}
	time.Sleep(300 * time.Millisecond)
	h.MustPost(a)

	// After 31 newer activities it is still recognised.
	for i := 5; i < 31; i++ {
		h.MustPost(h.Message(fmt.Sprintf("other-%d", i), "menu"))
	}
	h.MustPost(a)
	h.Conn.Wait(t, 32)
	if got := len(repliesTo(h, "dup-1")); got != 1 {
		t.Fatalf("dup-1 answered %d times, want 1", got)
	}
	if got := len(h.Conn.Settle(200 * time.Millisecond)); got != 32 {
		t.Fatalf("%d replies to 32 distinct activities", got)
	}

	// An invoke delivered twice: answered in the body once; the copy gets
	// a 200 without a card and sends nothing.
	inv := h.Activity(schema.Invoke, "inv-dup")
	inv.Name = "adaptiveCard/action"
	inv.Value = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "help"}}
	first, second := h.Post(inv, ""), h.Post(inv, "")
	b1, _ := io.ReadAll(first.Body)
	b2, _ := io.ReadAll(second.Body)
	if first.StatusCode != http.StatusOK || !strings.Contains(string(b1), "adaptive") {
		t.Fatalf("first invoke: %d %s", first.StatusCode, b1)
	}
	if second.StatusCode != http.StatusOK || strings.Contains(string(b2), "adaptive") {
		t.Fatalf("second invoke: %d %s", second.StatusCode, b2)
	}
	if got := len(h.Conn.Settle(100 * time.Millisecond)); got != 32 {
		t.Fatalf("invokes caused %d sends", got-32)
	}
}

// TestTenConcurrentMessagesKeepConsistentState: ten different messages in
// one conversation at the same moment. Optimistic concurrency reruns the
// losers on fresh state, so all ten are answered once, and the final state
// has all ten ids (none overwritten by a concurrent save).
func TestTenConcurrentMessagesKeepConsistentState(t *testing.T) {
	h := bottest.New(t, bottest.Options{Local: true})
	texts := []string{"menu", "hjælp", "english", "dansk", "emner", "vejledning", "quiz", "hvad er sexisme?", "sprog", "annuller"}
	var wg sync.WaitGroup
	var ids []string
	start := make(chan struct{})
	for i, text := range texts {
		id := fmt.Sprintf("ten-%d", i)
		ids = append(ids, id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if code, err := postRaw(h.HTTP.URL, h.Message(id, text)); err != nil || code != http.StatusOK {
				t.Errorf("%s: %d %v", id, code, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	h.Conn.Wait(t, 10)
	sent := h.Conn.Settle(100 * time.Millisecond)
	// Every message is answered, once. A language switch ("english",
	// "dansk", "sprog") that lands while the quiz is open says so and shows
	// the quiz's step again in the new language: two cards to that message.
	per := map[string]int{}
	for _, s := range sent {
		per[s.Activity.ReplyToID]++
	}
	for i, id := range ids {
		max := 1
		if texts[i] == "english" || texts[i] == "dansk" || texts[i] == "sprog" {
			max = 2
		}
		if n := per[id]; n < 1 || n > max {
			t.Errorf("%d replies to %s (%q), want 1..%d", n, id, texts[i], max)
		}
		delete(per, id)
	}
	if len(per) != 0 {
		t.Fatalf("replies to messages nobody sent: %v", per)
	}
	s, err := loadStored(context.Background(), h, "a:conv-secret-id", "aad-0000-secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !slices.Contains(s.state.Seen, id) {
			t.Errorf("state lost %s: seen %v", id, s.state.Seen)
		}
	}
	if len(s.state.Seen) != 10 {
		t.Errorf("seen %v, want exactly the ten ids", s.state.Seen)
	}
	// The language is one of the two choices made, not garbage.
	if l := s.profile.Lang; l != dialogs.Danish && l != dialogs.English {
		t.Errorf("profile language %q after concurrent language changes", l)
	}
}
