package statistics_test

import (
	"context"
	"testing"
	"time"

	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

func TestCheckMinRefusesLowThresholds(t *testing.T) {
	for in, want := range map[string]int{"": 5, "3": 3, "5": 5, "10": 10} {
		if got, err := statistics.CheckMin(in); err != nil || got != want {
			t.Errorf("CheckMin(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"2", "1", "0", "-5", "five", "4.5"} {
		if _, err := statistics.CheckMin(in); err == nil {
			t.Errorf("CheckMin(%q) accepted", in)
		}
	}
}

// Use counts wait in memory and are written in one go; a failed write
// keeps them for the next.
func TestUsageFlushesInBatches(t *testing.T) {
	rdb, prefix := redistest.New(t)
	store := redisstore.New(rdb, prefix)
	u := statistics.NewUsage(store, nil)
	now := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC) // 1 April in Copenhagen
	for i := 0; i < 4; i++ {
		u.Add(now, dialogs.CountUse{Metric: "topic", Key: "unit"})
	}
	u.Add(now, dialogs.CountUse{Metric: "", Key: "x"}) // ignored
	ctx := context.Background()
	if got, _ := store.StatsMonths(ctx, "u", []string{"2026-04"}); len(got) != 0 {
		t.Fatalf("written before the flush: %v", got)
	}
	dead, cancel := context.WithCancel(ctx)
	cancel()
	if err := u.Flush(dead); err == nil {
		t.Fatal("flush with a cancelled context succeeded")
	}
	if err := u.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := store.StatsMonths(ctx, "u", []string{"2026-03", "2026-04"})
	if err != nil {
		t.Fatal(err)
	}
	if got["2026-04"]["topic|unit"] != 4 || len(got["2026-03"]) != 0 || len(got["2026-04"]) != 1 {
		t.Fatalf("use counts %v", got)
	}
}
