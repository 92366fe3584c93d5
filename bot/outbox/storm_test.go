package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/internal/bottest"
)

func userActivity(h *bottest.Harness, url string, typ schema.ActivityTypes, id string, i int) schema.Activity {
	a := h.Activity(typ, id)
	a.ServiceURL = url
	aad := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	a.From.AadObjectID, a.From.ID = aad, "29:"+aad
	a.Conversation.ID = fmt.Sprintf("a:storm-%d", i)
	return a
}

// An install storm: 2,000 users get the app within seconds (an app setup
// policy) against a connector that allows 50 POST/s for the tenant and
// Teams' per-conversation windows. Every user is welcomed exactly once
// (nothing is dropped for being throttled), and users who write to the
// bot meanwhile get their reply at once.
//
// The bound on a reply's delay follows from the design: a reply is never
// queued (it is sent in the turn and only takes its slot of the budget),
// and the queued senders use 45/s of the 50/s (40/s under -race), so a reply finds room at
// the connector and is never answered 429. Its delay is then one turn
// plus one connector call, far below the 1 s that a single 429
// (Retry-After 1 s) would cost: the test asserts the maximum < 1 s.
func TestInstallStormWelcomesEveryoneOnceRepliesNotDelayed(t *testing.T) {
	const users, chatty = 2000, 3
	fake := fakeconn.Start(&fakeconn.Server{Rate: 50})
	t.Cleanup(fake.Close)
	var ob *outbox.Service
	h := bottest.New(t, bottest.Options{Local: true,
		// Replies retry a 429 after its real Retry-After.
		ConnectorConfig: func(c *connector.Config) { c.Sleep = nil },
		Outbox: func(h *bottest.Harness) *outbox.Service {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			ob = outbox.New(outbox.Config{Store: h.Store, Keys: h.Keys, Conn: conn, Rate: stormRate})
			return ob
		}})
	ctx, cancel := context.WithCancel(context.Background())
	var run sync.WaitGroup
	run.Go(func() { ob.Run(ctx) })
	t.Cleanup(func() { cancel(); run.Wait() })

	// The chatty users have the bot already: how many messages is a welcome?
	for i := range chatty {
		inst := userActivity(h, fake.URL(), schema.InstallationUpdate, fmt.Sprintf("ci%d", i), 100000+i)
		inst.Action = "add"
		h.MustPost(inst)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.Delivered()) < chatty && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	perWelcome := fake.Delivered()["a:storm-100000"]
	if perWelcome == 0 {
		t.Fatal("no welcome for the first user")
	}

	start := time.Now()
	var storm sync.WaitGroup
	for w := range 20 {
		storm.Go(func() {
			for i := w; i < users; i += 20 {
				inst := userActivity(h, fake.URL(), schema.InstallationUpdate, fmt.Sprintf("i%d", i), i)
				inst.Action = "add"
				h.MustPost(inst)
			}
		})
	}
	// Meanwhile the chatty users write, one message a second each; each
	// reply's delay is measured at the connector.
	var worst time.Duration
	replies := 0
	done := func() bool { return len(fake.Delivered()) >= users+chatty && allWelcomed(fake, users, perWelcome) }
	for n := 0; !done(); n++ {
		if time.Since(start) > 3*time.Minute {
			t.Fatalf("not everyone welcomed after 3 min: %d conversations", len(fake.Delivered()))
		}
		i := n % chatty
		conv := fmt.Sprintf("a:storm-%d", 100000+i)
		before := fake.Delivered()[conv]
		sent := time.Now()
		h.MustPost(userActivity(h, fake.URL(), schema.Message, fmt.Sprintf("m%d", n), 100000+i))
		for fake.Delivered()[conv] == before {
			if time.Since(sent) > 5*time.Second {
				t.Fatalf("reply %d never arrived", n)
			}
			time.Sleep(2 * time.Millisecond)
		}
		worst = max(worst, time.Since(sent))
		replies++
		time.Sleep(max(0, time.Second/chatty-time.Since(sent)))
	}
	storm.Wait()
	took := time.Since(start)
	time.Sleep(300 * time.Millisecond) // nothing more arrives
	for i := range users {
		if got := fake.Delivered()[fmt.Sprintf("a:storm-%d", i)]; got != perWelcome {
			t.Fatalf("user %d: %d welcome messages, want %d", i, got, perWelcome)
		}
	}
	sent, skipped, retried := ob.Counts()
	st := fake.Stats()
	t.Logf("%d installs welcomed in %v (%d welcome messages, %d put back (429 or woken late), %d skipped); %d replies meanwhile, worst delay %v; connector: %d tenant 429s, %d conversation 429s",
		users, took.Round(time.Millisecond), sent, retried, skipped, replies, worst.Round(time.Millisecond), st.TenantThrottled, st.ConvThrottled)
	if skipped != 0 {
		t.Fatalf("%d welcomes skipped", skipped)
	}
	if replies < 10 {
		t.Fatalf("only %d replies measured", replies)
	}
	if worst >= time.Second {
		t.Fatalf("a reply took %v during the storm", worst)
	}
}

func allWelcomed(f *fakeconn.Server, users, per int) bool {
	d := f.Delivered()
	for i := range users {
		if d[fmt.Sprintf("a:storm-%d", i)] < per {
			return false
		}
	}
	return true
}
