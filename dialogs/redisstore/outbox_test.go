package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// The outbox's priorities on the shared tenant budget: a due notice goes
// before a later-queued one of its priority and before bulk; a campaign
// waits while any notice is due; a notice not yet due does not hold
// campaigns; a reply's TakeBudget moves the next slot back.
func TestOutboxPrioritiesShareTheTenantBudget(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	s := redisstore.New(rdb, prefix)
	c := s.Campaigns()
	now := time.Now()
	ops := append(s.OutboxOps("bulk", 2, now.Add(-time.Second), []byte("b")), s.OutboxOps("late", 1, now, []byte("l"))...)
	ops = append(ops, s.OutboxOps("early", 1, now.Add(-time.Minute), []byte("e"))...)
	ops = append(ops, s.OutboxOps("future", 1, now.Add(time.Hour), []byte("f"))...)
	if err := s.Exec(ctx, ops); err != nil {
		t.Fatal(err)
	}
	windows := []redisstore.CampaignWindow{{Window: time.Second, Limit: 7}}
	if code, _, err := c.Acquire(ctx, "c1", "u1", now, time.Minute, 1000, 200_000, "x1", windows); err != nil || code != 4 {
		t.Fatalf("campaign with notices due: code %d %v, want 4 (wait)", code, err)
	}
	var order []string
	for range 3 {
		it, ok, _, err := s.ClaimOutbox(ctx, now, time.Minute, time.Millisecond, 10*time.Second, 2)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		order = append(order, it.ID)
		if err := s.AckOutbox(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
	}
	if order[0] != "early" || order[1] != "late" || order[2] != "bulk" {
		t.Fatalf("order %v", order)
	}
	if _, ok, wait, _ := s.ClaimOutbox(ctx, now, time.Minute, time.Millisecond, 10*time.Second, 2); ok || wait != 0 {
		t.Fatalf("the future entry was claimable: %v %v", ok, wait)
	}
	// Only the future notice is left: campaigns go again.
	if code, _, err := c.Acquire(ctx, "c1", "u1", now, time.Minute, 1000, 200_000, "x2", windows); err != nil || code != 0 {
		t.Fatalf("campaign after the notices: code %d %v, want 0", code, err)
	}
	// A reply takes a whole second of budget: the next slot is that far.
	if _, err := s.TakeBudget(ctx, now, time.Second); err != nil {
		t.Fatal(err)
	}
	code, n, err := c.Acquire(ctx, "c1", "u2", now, time.Minute, 1000, 200_000, "x3", windows)
	if err != nil || code != 4 || n < 700 {
		t.Fatalf("after a reply's budget: code %d n %d %v, want a wait", code, n, err)
	}
}
