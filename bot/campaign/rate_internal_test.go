package campaign

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func limiter(t *testing.T, rate float64) (*Service, *clock) {
	rdb, prefix := redistest.New(t)
	c := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	h, _ := seal.NewHasher(bytes.Repeat([]byte{1}, 32))
	k, _ := seal.NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{2}, 32)})
	return New(Config{Store: redisstore.New(rdb, prefix), Keys: k, Hasher: h, Rate: rate, Now: c.now}), c
}

func TestTenantLimitPacesSlotsAcrossCallers(t *testing.T) {
	s, _ := limiter(t, 10) // one slot every 100 ms, reservations at most 200 ms ahead
	ctx := context.Background()
	type res struct{ code, n int64 }
	var got []res
	for _, m := range []string{"u1", "u2", "u3", "u4"} {
		code, n, err := s.acquire(ctx, "c1", m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res{code, n})
	}
	want := []res{{0, 0}, {0, 100_000}, {0, 200_000}, {4, 100}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("acquire %d = %+v, want %+v (all %+v)", i, got[i], want[i], got)
		}
	}
}

func TestConversationWindowsAndHold(t *testing.T) {
	s, c := limiter(t, 1e6)
	ctx := context.Background()
	again := func() (int64, int64) {
		t.Helper()
		// The same conversation gets another message (reset the marker).
		s.st.Client().HSet(ctx, s.key("c1", "r"), "u1", "queued|0||")
		code, n, err := s.acquire(ctx, "c1", "u1")
		if err != nil {
			t.Fatal(err)
		}
		return code, n
	}
	for i := range 7 {
		if code, _ := again(); code != 0 {
			t.Fatalf("send %d refused (%d)", i+1, code)
		}
		c.add(10 * time.Millisecond)
	}
	if code, wait := again(); code != 3 || wait <= 0 || wait > 1000 {
		t.Fatalf("8th send in 1 s: code %d wait %d", code, wait)
	}
	c.add(time.Second) // the 1 s window has room again; the 2 s window allows 8
	if code, _ := again(); code != 0 {
		t.Fatalf("after 1 s: code %d", code)
	}
	if code, _ := again(); code != 3 {
		t.Fatalf("9th send in 2 s: code %d", code)
	}
	// Another conversation is not affected.
	if code, _, _ := s.acquire(ctx, "c1", "u2"); code != 0 {
		t.Fatalf("other conversation: code %d", code)
	}
	// A 429's hold pauses the conversation until its time.
	c.add(time.Hour)
	s.st.Client().Set(ctx, s.st.Key("rate", "hold", "u3"), c.now().Add(1500*time.Millisecond).UnixMilli(), 0)
	if code, wait, _ := s.acquire(ctx, "c1", "u3"); code != 3 || wait != 1500 {
		t.Fatalf("held: code %d wait %d", code, wait)
	}
	c.add(1500 * time.Millisecond)
	if code, _, _ := s.acquire(ctx, "c1", "u3"); code != 0 {
		t.Fatalf("after hold: code %d", code)
	}
}

func TestMarkerSkipsFinalAndBusyRecipients(t *testing.T) {
	s, c := limiter(t, 1e6)
	ctx := context.Background()
	s.st.Client().HSet(ctx, s.key("c1", "r"), "done", "sent|1||", "held", "queued|1||")
	if code, _, _ := s.acquire(ctx, "c1", "done"); code != 1 {
		t.Fatalf("final recipient: code %d", code)
	}
	if code, _, _ := s.acquire(ctx, "c1", "held"); code != 0 {
		t.Fatal("first acquire refused")
	}
	if code, left, _ := s.acquire(ctx, "c1", "held"); code != 2 || left != s.cfg.Lease.Milliseconds() {
		t.Fatalf("second worker: code %d left %d", code, left)
	}
	c.add(s.cfg.Lease + time.Millisecond) // the holder died: its lease ran out
	if code, _, _ := s.acquire(ctx, "c1", "held"); code != 0 {
		t.Fatalf("after lease: code %d", code)
	}
}
