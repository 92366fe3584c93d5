package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
	"github.com/kk/graensen/locales"
)

// BenchmarkTurnsOverHTTP drives POST /api/messages over real loopback HTTP
// with 32 concurrent conversations, against a fake Bot Connector on
// loopback and the Redis of GRAENSEN_TEST_REDIS (miniredis otherwise), and
// reports turns/s and the latency from sending a message to its reply
// arriving at the connector:
//
//	GRAENSEN_TEST_REDIS=redis://127.0.0.1:6379/0 go test -run '^$' -bench TurnsOverHTTP -benchtime 40000x ./bot/
func BenchmarkTurnsOverHTTP(b *testing.B) {
	const conversations = 32
	var (
		mu      sync.Mutex
		waiting = map[string]chan struct{}{}
	)
	conn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a struct {
			ReplyToID string `json:"replyToId"`
		}
		_ = json.NewDecoder(r.Body).Decode(&a)
		mu.Lock()
		ch := waiting[a.ReplyToID]
		delete(waiting, a.ReplyToID)
		mu.Unlock()
		if ch != nil {
			close(ch)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	defer conn.Close()

	rdb, prefix := redistest.New(b)
	client, _ := connector.New(connector.Config{})
	hasher, _ := seal.NewHasher(bytes.Repeat([]byte{1}, 32))
	keys, _ := seal.NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{2}, 32)})
	bt, err := bot.New(bot.Config{
		Engine: dialogs.New(dialogs.Config{Content: content.MustLoad()}), Store: redisstore.New(rdb, prefix),
		Connector: client, Local: true, Renderer: cards.New(locales.MustBundle()), Hasher: hasher, Keys: keys,
		Routes: bottest.Routes(), // the menu needs no feature
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(bt.NewRouter())
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conversations * 2}}

	body := func(conv, id int) []byte {
		return []byte(fmt.Sprintf(`{"type":"message","id":"m-%d-%d","channelId":"msteams","serviceUrl":%q,`+
			`"from":{"id":"29:user-%d","aadObjectId":"aad-%d"},"recipient":{"id":"28:bot"},`+
			`"conversation":{"id":"a:conv-%d","conversationType":"personal"},"locale":"da-DK","text":"menu"}`,
			conv, id, conn.URL+"/", conv, conv, conv))
	}
	var next atomic.Int64
	lat := make([][]time.Duration, conversations)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conversations; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > b.N {
					return
				}
				done := make(chan struct{})
				mu.Lock()
				waiting[fmt.Sprintf("m-%d-%d", c, i)] = done
				mu.Unlock()
				t0 := time.Now()
				resp, err := hc.Post(srv.URL+"/api/messages", "application/json", bytes.NewReader(body(c, i)))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					b.Error("reply never arrived")
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = bt.Drain(ctx)

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	p := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	tps := float64(len(all)) / elapsed.Seconds()
	b.ReportMetric(tps, "turns/s")
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	fmt.Printf("turns: %d with %d conversations in %v: %.0f turns/s, p50 %v, p99 %v (redis: %s)\n",
		len(all), conversations, elapsed.Round(time.Millisecond), tps, p(0.50), p(0.99), redisName())
}

func redisName() string {
	if redistest.URL() != "" {
		return "real server"
	}
	return "miniredis"
}
