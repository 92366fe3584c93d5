package bot_test

// Soak (issue 8, part 7): mixed traffic through the real HTTP stack for
// a long time, watching memory and goroutines.
//
//	go test -run '^$' -bench Soak -benchtime 1x ./bot/                      # 20 s
//	GRAENSEN_SOAK=3m go test -run '^$' -bench Soak -benchtime 1x -timeout 10m ./bot/
//	GRAENSEN_TEST_REDIS=redis://127.0.0.1:6379/0 GRAENSEN_SOAK=3m go test ...   # Redis out of process

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/internal/randid"
	"github.com/kk/graensen/locales"
)

// soakConnector is a Bot Connector that keeps nothing: it hands each reply
// (its card's submit data) to whoever waits for it, by replyToId.
type soakConnector struct {
	srv     *httptest.Server
	mu      sync.Mutex
	waiting map[string]chan []map[string]any
	replies atomic.Int64
}

func newSoakConnector() *soakConnector {
	c := &soakConnector{waiting: map[string]chan []map[string]any{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a struct {
			ReplyToID   string `json:"replyToId"`
			Attachments []struct {
				Content any `json:"content"`
			} `json:"attachments"`
		}
		_ = json.NewDecoder(r.Body).Decode(&a)
		c.replies.Add(1)
		var acts []map[string]any
		for _, at := range a.Attachments {
			x, _ := cardActions(at.Content)
			acts = append(acts, x...)
		}
		c.mu.Lock()
		ch := c.waiting[a.ReplyToID]
		delete(c.waiting, a.ReplyToID)
		c.mu.Unlock()
		if ch != nil {
			ch <- acts
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	return c
}

func (c *soakConnector) expect(id string) chan []map[string]any {
	ch := make(chan []map[string]any, 1)
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	return ch
}

func (c *soakConnector) forget(id string) {
	c.mu.Lock()
	delete(c.waiting, id)
	c.mu.Unlock()
}

type soakSample struct {
	at         time.Duration
	heap       uint64
	goroutines int
	turns      int64
}

func sample(start time.Time, turns int64) soakSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return soakSample{at: time.Since(start).Round(time.Second), heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine(), turns: turns}
}

// BenchmarkSoak runs mixed traffic for GRAENSEN_SOAK (default 20s): users
// asking questions in their own words (the real matcher), clicking through
// the menus, topics, playbook steps with their checklists and reminders,
// the reflection, the quiz, the report interview, and an AMK admin
// authoring a campaign, each following the buttons of the cards it gets.
// Every few seconds it prints the live heap and the goroutine count; at the
// end, after the traffic has stopped and the replies are drained, both
// must be back near where they were after the warm-up: no leak per turn.
//
// The real reminder, report and campaign effects are wired, with a
// replica's background work (scheduler, campaign senders, report inbox),
// and a campaign to everyone starts at every sample. A domain output no
// feature handles goes to a stand-in effect (counted in the summary): wire
// new features here too.
func BenchmarkSoak(b *testing.B) {
	dur := 20 * time.Second
	if v := os.Getenv("GRAENSEN_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("GRAENSEN_SOAK: %v", err)
		}
		dur = d
	}
	every := max(dur/10, time.Second)

	lib := content.MustLoad()
	r := cards.New(locales.MustBundle())
	m := match.FromLibrary(lib, func(lang, id string) string { return r.Text(dialogs.Lang(lang), dialogs.M(id)) })
	var (
		standIns atomic.Int64
		reports  *report.Service
		camps    *campaign.Service
	)
	h := bottest.New(b, bottest.Options{Local: true,
		Engine: dialogs.Config{Content: lib, Admins: []string{"aad-soak-0"}, Handlers: []string{"aad-soak-1"},
			Matcher: func(lang, q string) (string, []string) { d := m.Decide(lang, q); return d.Best, d.Choices }},
		Effects: func(h *bottest.Harness) []effect.Func {
			reports = report.New(h.Store, h.Keys, h.Hasher, nil)
			reports.Send = h.Send
			reports.Limits = report.Limits{FilesPerUserDay: 1 << 20, FilesPerDay: 1 << 20, GuessesPerHour: 1 << 20, GuessesAllPerHour: 1 << 20, ChecksPerHour: 1 << 20, MsgsPerCaseDay: 1 << 20, MsgRunes: 1 << 20}
			cc, _ := connector.New(connector.Config{MaxRetries: -1})
			camps = campaign.New(campaign.Config{Store: h.Store, Keys: h.Keys, Hasher: h.Hasher, Renderer: r, Conn: cc, Rate: 200})
			return []effect.Func{reminder.Effect(h.Store), reports.Effect, camps.Effect(),
				func(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
					standIns.Add(1) // anything no feature handles
					return effect.Prepared{}, true, nil
				}}
		}})
	conn := newSoakConnector()
	defer conn.srv.Close()
	// The background work of a replica: the scheduler (campaign starts,
	// reminders), the campaign senders, the report inbox worker.
	bg, stopBG := context.WithCancel(context.Background())
	sched := &schedule.Runner{Store: h.Store, Interval: 200 * time.Millisecond, Handlers: map[string]schedule.Handler{
		campaign.KindStart: camps.HandleStart, reminder.Kind: reminder.Handler(h.Bot, h.Store, lib)}}
	var bgWG sync.WaitGroup
	for _, run := range []func(context.Context){sched.Run, camps.Run, reports.RunInbox} {
		bgWG.Add(1)
		go func() { defer bgWG.Done(); run(bg) }()
	}
	defer func() { stopBG(); bgWG.Wait() }()
	var campaigns int
	newCampaign := func() {
		spec := dialogs.CampaignSpec{ID: dialogs.NewCampaignID(randid.Bytes), TitleDA: "Husk", TextDA: "Tal om grænsen", TitleEN: "Remember",
			TextEN: "Talk about the line", Audience: dialogs.CampaignAudience{Kind: dialogs.AudienceAll}, Ack: true}
		if err := camps.Create(context.Background(), spec); err != nil {
			b.Errorf("campaign: %v", err)
		}
		campaigns++
	}

	const users = 16
	questions := []string{"hvad er sexisme?", "min kollega siger det bare var en joke", "where is the line", "hvordan hjælper jeg en kollega",
		"jeg er leder og har fået en henvendelse", "what if it was only once", "kan jeg tale med en psykolog", "hvad er seksuel chikane",
		"menu", "hjælp", "english", "dansk", "quiz", "anmeld", "vejledning", "påmindelser", "kampagne", "er det over grænsen?"}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: users * 2}, Timeout: 15 * time.Second}
	var turns, stale, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(u), 42))
			var acts []map[string]any
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("soak-%d-%d", u, seq)
				a := h.Message(id, "")
				a.ServiceURL = conn.srv.URL + "/"
				a.Conversation.ID = fmt.Sprintf("a:soak-%d", u)
				a.From.ID, a.From.AadObjectID = fmt.Sprintf("29:soak-%d", u), fmt.Sprintf("aad-soak-%d", u)
				if len(acts) == 0 || rng.IntN(5) == 0 {
					a.Text = questions[rng.IntN(len(questions))]
				} else {
					v := map[string]any{}
					for k, x := range acts[rng.IntN(len(acts))] {
						v[k] = x
					}
					for _, in := range []string{"code", "msg", "rdate", "rtime", "status", "reply", "note", "c_tda", "c_xda", "c_ten", "c_xen", "c_date", "c_time"} {
						if rng.IntN(2) == 0 {
							v[in] = []string{"2027-01-04", "09:30", "ack", "noget skete på arbejdet", "ABCDE-FGHJK-MNPQR-STVWX"}[rng.IntN(5)]
						}
					}
					a.Value = v
				}
				ch := conn.expect(id)
				body, _ := json.Marshal(a)
				resp, err := hc.Post(h.HTTP.URL+"/api/messages", "application/json", bytes.NewReader(body))
				if err != nil {
					failures.Add(1)
					conn.forget(id)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
				}
				turns.Add(1)
				select {
				case acts = <-ch:
				case <-time.After(2 * time.Second):
					// A domain output taken by the stand-in sends nothing.
					conn.forget(id)
					stale.Add(1)
					acts = nil
				}
			}
		}()
	}

	start := time.Now()
	b.ResetTimer()
	warm := time.Now().Add(min(every, 5*time.Second))
	for time.Now().Before(warm) {
		time.Sleep(100 * time.Millisecond)
	}
	series := []soakSample{sample(start, turns.Load())}
	for time.Since(start) < dur {
		newCampaign() // one to everyone, every sample
		time.Sleep(min(every, dur-time.Since(start)+time.Millisecond))
		series = append(series, sample(start, turns.Load()))
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = h.Bot.Drain(ctx)
	cancel()
	hc.CloseIdleConnections()
	// Let connections and timers wind down: sample until the goroutines and
	// the live heap are back within the bounds checked below, for up to
	// 10 s (a leak stays; nothing signals that goroutines have ended).
	base := series[0]
	heapLimit := base.heap*2 + 16<<20
	end := sample(start, turns.Load())
	for deadline := time.Now().Add(10 * time.Second); (end.goroutines > base.goroutines+20 || end.heap > heapLimit) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		end = sample(start, turns.Load())
	}

	sentByCampaigns, _ := camps.Counts()
	fmt.Printf("soak: %d turns in %v (%.0f/s), %d replies, %d turns without a reply (%d outputs to the stand-in effect), %d campaigns (%d messages), %d failures, redis: %s\n",
		turns.Load(), elapsed.Round(time.Second), float64(turns.Load())/elapsed.Seconds(), conn.replies.Load(), stale.Load(), standIns.Load(),
		campaigns, sentByCampaigns, failures.Load(), redisName())
	fmt.Printf("soak: %8s %10s %10s %8s\n", "time", "heap MB", "goroutines", "turns")
	for _, s := range append(series, end) {
		fmt.Printf("soak: %8v %10.1f %10d %8d\n", s.at, float64(s.heap)/(1<<20), s.goroutines, s.turns)
	}
	b.ReportMetric(float64(turns.Load())/elapsed.Seconds(), "turns/s")

	if failures.Load() > 0 {
		b.Errorf("%d requests failed", failures.Load())
	}
	if end.goroutines > base.goroutines+20 {
		b.Errorf("goroutines grew from %d after warm-up to %d after the traffic stopped", base.goroutines, end.goroutines)
	}
	if end.heap > heapLimit {
		b.Errorf("live heap grew from %.1f MB after warm-up to %.1f MB after the traffic stopped", float64(base.heap)/(1<<20), float64(end.heap)/(1<<20))
	}
	if strings.Contains(h.Logs.String(), "panic") {
		b.Errorf("panics in the log")
	}
}
