package campaign_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// TestFinishedCampaignIsPurgedAfterRetention: finishing a campaign (all
// recipients final) schedules its purge at finish + Retention in the same
// step; until then the export and "remind those who have not
// acknowledged" work; at the purge every key of the campaign goes
// (definition, counts, statuses, sealed Entra ids, acknowledgements,
// markers; a cancelled one's stream too), while the other campaigns' keys
// stay exactly as they were.
func TestFinishedCampaignIsPurgedAfterRetention(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	const retention = 48 * time.Hour
	s := e.service("a", func(c *campaign.Config) { c.Now, c.Retention = clock, retention })
	users := make([]string, 4)
	for i := range users {
		users[i] = e.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	list := dialogs.CampaignAudience{Kind: dialogs.AudienceList, AadIDs: []string{aadN(0), aadN(1), aadN(2), aadN(3), aadN(9)}}
	a, b, c, d := "c0000000000000301", "c0000000000000302", "c0000000000000303", "c0000000000000304"

	// A is sent and acknowledged by one; D is cancelled mid-way (its
	// stream still holds entries); B finishes 47 h later.
	e.start(s, spec(a, list))
	pa := e.run(a, s)
	if pa.Sent != 4 || pa.NotInstalled != 1 {
		t.Fatalf("A %+v", pa)
	}
	e.rdb.SAdd(ctx, e.store.Key("campaign", a, "ack"), users[0])
	e.start(s, spec(d, list))
	if err := s.Cancel(ctx, d); err != nil {
		t.Fatal(err)
	}
	score, err := e.rdb.ZScore(ctx, e.store.Key("sched"), "campaign-purge:"+a).Result()
	if err != nil || int64(score) != pa.Finished.Add(retention).UnixMilli() {
		t.Fatalf("purge of A scheduled at %v (%v), want finish %v + %v", score, err, pa.Finished, retention)
	}
	offset.Store(int64(47 * time.Hour))
	e.start(s, spec(b, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	e.run(b, s)

	// Before the purge: export and follow-up still work.
	if rows, err := s.Rows(ctx, a); err != nil || len(rows) != 5 || rows[0].AadID != aadN(0) || !rows[0].Acknowledged {
		t.Fatalf("export before the purge: %v %+v", err, rows)
	}
	f, err := s.FollowUp(ctx, a, c, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if pc := e.run(c, s); pc.Sent != 3 {
		t.Fatalf("follow-up before the purge %+v", pc)
	}
	if got := e.fake.Delivered(); got["a:"+aadN(0)] != 2 || got["a:"+aadN(1)] != 3 { // A+B, A+B+C
		t.Fatalf("delivered %v", got)
	}

	runner := &schedule.Runner{Store: e.store, Now: clock, Handlers: map[string]schedule.Handler{
		campaign.KindStart: s.HandleStart, campaign.KindPurge: s.HandlePurge}}
	runner.Tick(ctx) // due: only the start items (harmless again); no purge yet
	of := func(id string) func(string) bool {
		k := e.store.Key("campaign", id)
		return func(key string) bool { return key == k || strings.HasPrefix(key, k+":") }
	}
	before := redistest.Dump(ctx, t, e.rdb, e.prefix)
	for _, want := range []string{"", ":r", ":a", ":ack", ":fu"} {
		if _, ok := before[e.store.Key("campaign", a)+want]; !ok {
			t.Fatalf("before the purge A has no %q key: %v", want, keysOf(before, of(a)))
		}
	}
	for _, want := range []string{"", ":r", ":a", ":s"} {
		if _, ok := before[e.store.Key("campaign", d)+want]; !ok {
			t.Fatalf("before the purge D has no %q key: %v", want, keysOf(before, of(d)))
		}
	}
	t.Logf("A's keys before the purge: %v; D's: %v", keysOf(before, of(a)), keysOf(before, of(d)))

	// After finish + retention: A and D (cancelled at about the same time) go.
	offset.Store(int64(49 * time.Hour))
	if n := runner.Tick(ctx); n != 2 {
		t.Fatalf("%d items due at finish + retention, want the 2 purges", n)
	}
	after := redistest.Dump(ctx, t, e.rdb, e.prefix)
	for k, v := range after {
		if of(a)(k) || of(d)(k) {
			t.Errorf("left after the purge: %s", k)
		}
		if strings.Contains(k, a) || strings.Contains(k, d) || strings.Contains(v, a) || strings.Contains(v, d) {
			t.Errorf("purged campaign still named in %s = %q", k, v)
		}
	}
	// The other campaigns' keys are untouched.
	index := e.store.Key("campaign", "index")
	for k, v := range before {
		if of(a)(k) || of(d)(k) || k == index || strings.HasPrefix(k, e.store.Key("sched")) {
			continue
		}
		if canon(after[k]) != canon(v) {
			t.Errorf("%s changed by the purge:\nbefore %q\nafter  %q", k, v, after[k])
		}
	}
	if got := strings.Split(canon(after[index]), "\n"); !slices.Equal(got, []string{b, c}) {
		t.Errorf("index after the purge %v, want B and C", got)
	}
	for _, id := range []string{b, c} {
		if _, err := s.Progress(ctx, id); err != nil {
			t.Errorf("%s after the purge: %v", id, err)
		}
	}
	if _, err := s.Progress(ctx, a); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("A's progress after the purge: %v", err)
	}
	if _, err := s.FollowUp(ctx, a, "c0000000000000305", ""); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("follow-up of a purged campaign: %v", err)
	}
	// A late start item or a second purge recreates nothing.
	if err := s.HandleStart(ctx, redisstore.Due{Payload: []byte(a)}); !errors.Is(err, schedule.ErrPermanent) {
		t.Errorf("start of a purged campaign: %v", err)
	}
	if err := s.HandlePurge(ctx, redisstore.Due{Payload: []byte(a)}); err != nil {
		t.Error(err)
	}
	for k := range redistest.Dump(ctx, t, e.rdb, e.prefix) {
		if of(a)(k) {
			t.Errorf("recreated: %s", k)
		}
	}
	// B and C are purged at their own finish + retention.
	offset.Store(int64(47*time.Hour + 49*time.Hour))
	runner.Tick(ctx)
	for k := range redistest.Dump(ctx, t, e.rdb, e.prefix) {
		if strings.HasPrefix(k, e.store.Key("campaign", "")) {
			t.Errorf("left after every campaign's retention: %s", k)
		}
	}
}

func keysOf(m map[string]string, keep func(string) bool) []string {
	var out []string
	for k := range m {
		if keep(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// canon sorts a dumped value's lines (hash fields come in any order).
func canon(v string) string {
	lines := strings.Split(strings.TrimSuffix(v, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
