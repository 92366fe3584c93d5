package campaign_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/locales"
)

type env struct {
	t      *testing.T
	rdb    redis.UniversalClient
	store  *redisstore.Store
	prefix string
	fake   *fakeconn.Server
	keys   *seal.Keyring
	hasher *seal.Hasher
	rend   *cards.Renderer
	conn   *connector.Client
}

func newEnv(t *testing.T, fake *fakeconn.Server) *env {
	t.Helper()
	rdb, prefix := redistest.New(t)
	if fake == nil {
		fake = &fakeconn.Server{}
	}
	fakeconn.Start(fake)
	t.Cleanup(fake.Close)
	hasher, _ := seal.NewHasher(bytes.Repeat([]byte{7}, 32))
	keys, _ := seal.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	conn, err := connector.New(connector.Config{MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, rdb: rdb, store: redisstore.New(rdb, prefix), prefix: prefix, fake: fake, keys: keys, hasher: hasher,
		rend: cards.New(locales.MustBundle()), conn: conn}
}

func (e *env) service(consumer string, mod func(*campaign.Config)) *campaign.Service {
	cfg := campaign.Config{Store: e.store, Keys: e.keys, Hasher: e.hasher, Renderer: e.rend, Conn: e.conn,
		Rate: 2000, Workers: 8, Consumer: consumer, Poll: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	return campaign.New(cfg)
}

// addUser stores a user as the bot would: a sealed reference to a 1:1
// conversation "a:<aad>", the profile, the sealed Entra id, and the users set.
func (e *env) addUser(aad, locale string, p dialogs.Profile) string {
	e.t.Helper()
	ctx := context.Background()
	key := e.hasher.Sum("user", "aad:"+aad)
	ref, _ := json.Marshal(activity.Ref{ServiceURL: e.fake.URL(), ChannelID: "msteams", ConversationID: "a:" + aad, UserID: "29:" + aad, BotID: "28:bot", Locale: locale})
	prof, _ := json.Marshal(p)
	if err := e.rdb.HSet(ctx, e.store.Key("user", key), "v", 1, "p", prof, "ref", e.keys.Seal(ref, []byte("ref:"+key)),
		"aad", e.keys.Seal([]byte(aad), []byte("aad:"+key))).Err(); err != nil {
		e.t.Fatal(err)
	}
	e.rdb.SAdd(ctx, e.store.Key("users"), key)
	return key
}

func spec(id string, a dialogs.CampaignAudience) dialogs.CampaignSpec {
	return dialogs.CampaignSpec{ID: id, TitleDA: "Trin 2", TextDA: "Husk at sætte en frist", TitleEN: "Step 2",
		TextEN: "Remember to set a deadline", Audience: a, Ack: true}
}

// run sends with the given services until the campaign is done.
func (e *env) run(id string, svcs ...*campaign.Service) campaign.Progress {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range svcs {
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := svcs[0].Progress(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if p.State == campaign.StateDone {
			return p
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("campaign not done: %+v", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) start(s *campaign.Service, sp dialogs.CampaignSpec) {
	e.t.Helper()
	ctx := context.Background()
	if err := s.Create(ctx, sp); err != nil {
		e.t.Fatal(err)
	}
	if err := s.Start(ctx, sp.ID); err != nil {
		e.t.Fatal(err)
	}
}

func aadN(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func TestExactlyTheChosenAudienceInTheirLanguage(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service("a", nil)
	e.addUser(aadN(1), "da-DK", dialogs.Profile{Role: dialogs.RoleManager})
	e.addUser(aadN(2), "en-US", dialogs.Profile{Role: dialogs.RoleManager})
	e.addUser(aadN(3), "en-US", dialogs.Profile{Role: dialogs.RoleManager, Lang: dialogs.Danish}) // chose Danish
	e.addUser(aadN(4), "da-DK", dialogs.Profile{Role: dialogs.RoleEmployee})
	e.addUser(aadN(5), "da-DK", dialogs.Profile{Role: dialogs.RoleManager, Muted: true})

	id := "c00000000000000a1"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceRole, Role: dialogs.RoleManager}))
	p := e.run(id, s)
	if p.Total != 4 || p.Sent != 3 || p.Muted != 1 || p.Queued != 0 {
		t.Fatalf("progress %+v", p)
	}
	got := e.fake.Delivered()
	want := map[string]int{"a:" + aadN(1): 1, "a:" + aadN(2): 1, "a:" + aadN(3): 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	for conv, lang := range map[string]string{"a:" + aadN(1): "da", "a:" + aadN(2): "en", "a:" + aadN(3): "da"} {
		l, text := e.fake.Lang(conv)
		if l != lang {
			t.Errorf("%s got %s", conv, l)
		}
		wantText := map[string]string{"da": "Husk at sætte en frist", "en": "Remember to set a deadline"}[lang]
		if !strings.Contains(text, wantText) || !strings.Contains(text, `"`+dialogs.VerbCampaignAck+`"`) {
			t.Errorf("%s text %s", conv, text)
		}
	}
}

func TestExplicitListReportsNotInstalledAndExportsIDs(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service("a", nil)
	e.addUser(aadN(1), "da-DK", dialogs.Profile{})
	e.addUser(aadN(2), "da-DK", dialogs.Profile{}) // not on the list
	id := "c00000000000000b1"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceList, AadIDs: []string{aadN(1), aadN(9)}}))
	p := e.run(id, s)
	if p.Total != 2 || p.Sent != 1 || p.NotInstalled != 1 {
		t.Fatalf("progress %+v", p)
	}
	var buf bytes.Buffer
	if err := s.WriteCSV(context.Background(), id, &buf); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	if len(rows) != 3 || rows[1][0] != aadN(1) || rows[1][1] != "sent" || rows[2][0] != aadN(9) || rows[2][1] != "notinstalled" {
		t.Fatalf("csv %v", rows)
	}
	// Nothing raw in Redis: the ids exist only sealed.
	for k, v := range redistest.Dump(context.Background(), t, e.rdb, e.prefix) {
		if strings.Contains(k+v, aadN(1)) || strings.Contains(k+v, aadN(9)) {
			t.Fatalf("raw id in %s", k)
		}
	}
}

func TestTwoEnginesOneRedisSendEachOnce(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 300 {
		e.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	a, b := e.service("a", nil), e.service("b", nil)
	id := "c00000000000000c1"
	e.start(a, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	p := e.run(id, a, b)
	if p.Sent != 300 {
		t.Fatalf("progress %+v", p)
	}
	got := e.fake.Delivered()
	if len(got) != 300 {
		t.Fatalf("%d conversations got it", len(got))
	}
	for c, n := range got {
		if n != 1 {
			t.Fatalf("%s got %d", c, n)
		}
	}
	// Both replicas took part.
	sa, _ := a.Counts()
	sb, _ := b.Counts()
	if sa == 0 || sb == 0 || sa+sb != 300 {
		t.Fatalf("replica a sent %d, b %d", sa, sb)
	}
}

func TestCrashedReplicasEntriesAreTakenOver(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 50 {
		e.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	ctx := context.Background()
	live := e.service("live", func(c *campaign.Config) { c.ClaimIdle = 300 * time.Millisecond })
	id := "c00000000000000d1"
	e.start(live, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	// A replica reads 20 entries and dies before sending any of them.
	res, err := e.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "w", Consumer: "dead", Streams: []string{e.store.Key("campaign", id, "s"), ">"}, Count: 20}).Result()
	if err != nil || len(res[0].Messages) != 20 {
		t.Fatalf("read %v %v", res, err)
	}
	p := e.run(id, live)
	if p.Sent != 50 {
		t.Fatalf("progress %+v", p)
	}
	for c, n := range e.fake.Delivered() {
		if n != 1 {
			t.Fatalf("%s got %d", c, n)
		}
	}
	if len(e.fake.Delivered()) != 50 {
		t.Fatalf("delivered to %d", len(e.fake.Delivered()))
	}
	if _, taken := live.Counts(); taken < 20 {
		t.Fatalf("took over %d entries, want the dead replica's 20", taken)
	}
	// Done: the stream is gone, the counts and statuses stay.
	if n := e.rdb.Exists(ctx, e.store.Key("campaign", id, "s")).Val(); n != 0 {
		t.Fatal("stream left after the campaign finished")
	}
}

func TestRedeliveredEntryIsNotSentTwice(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(aadN(1), "da-DK", dialogs.Profile{})
	ctx := context.Background()
	s := e.service("a", nil)
	id := "c00000000000000e1"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	e.run(id, s)
	// The same recipient appears in the stream again (a replica crashed
	// between sending and acking): the marker stops a second send.
	key := e.hasher.Sum("user", "aad:"+aadN(1))
	e.rdb.SAdd(ctx, e.store.Key("campaign", "active"), id)
	e.rdb.HSet(ctx, e.store.Key("campaign", id), "st", "sending")
	e.rdb.XGroupCreateMkStream(ctx, e.store.Key("campaign", id, "s"), "w", "0")
	entry := e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: e.store.Key("campaign", id, "s"), Values: []any{"m", key, "n", "0"}}).Val()
	runCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	s.Run(runCtx)
	cancel()
	if pend, _ := e.rdb.XPending(ctx, e.store.Key("campaign", id, "s"), "w").Result(); pend == nil || pend.Count != 0 {
		t.Fatalf("entry not handled: %+v", pend)
	}
	if g, _ := e.rdb.XInfoGroups(ctx, e.store.Key("campaign", id, "s")).Result(); len(g) != 1 || g[0].LastDeliveredID != entry {
		t.Fatalf("entry %s not delivered: %+v", entry, g)
	}
	if n := e.fake.Delivered()["a:"+aadN(1)]; n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

func TestThrottlingSlowsOnlyThatConversationAndRetries(t *testing.T) {
	fake := &fakeconn.Server{RetryAfter: "1"}
	e := newEnv(t, fake)
	slow := e.addUser(aadN(1), "da-DK", dialogs.Profile{})
	e.addUser(aadN(2), "da-DK", dialogs.Profile{})
	e.addUser(aadN(3), "da-DK", dialogs.Profile{})
	gone := e.addUser(aadN(4), "da-DK", dialogs.Profile{})
	fake.Script("a:"+aadN(1), http.StatusTooManyRequests)
	fake.Script("a:"+aadN(2), http.StatusServiceUnavailable, http.StatusBadGateway)
	fake.Script("a:"+aadN(4), http.StatusForbidden)
	s := e.service("a", nil)
	id := "c00000000000000f1"
	ctx := context.Background()
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	// The others are not held up by the throttled conversation.
	start := time.Now()
	for e.fake.Delivered()["a:"+aadN(3)] == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("unthrottled conversation not served")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if e.fake.Delivered()["a:"+aadN(1)] != 0 {
		t.Fatal("throttled conversation served before its Retry-After")
	}
	held := func(user string) bool {
		until, _ := e.rdb.Get(ctx, e.store.Key("rate", "hold", user)).Int64()
		return until > time.Now().UnixMilli()
	}
	for !held(slow) {
		if time.Since(start) > 900*time.Millisecond {
			t.Fatal("conversation not held after its 429")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if held(e.hasher.Sum("user", "aad:"+aadN(3))) {
		t.Fatal("another conversation held")
	}
	var p campaign.Progress
	for {
		p, _ = s.Progress(ctx, id)
		if p.State == campaign.StateDone {
			break
		}
		if time.Since(start) > 15*time.Second {
			for k, v := range redistest.Dump(ctx, t, e.rdb, e.prefix) {
				t.Logf("%s => %q", k, v)
			}
			t.Fatalf("not done: %+v", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p.Sent != 3 || p.Unreachable != 1 || p.Retrying != 0 {
		t.Fatalf("progress %+v", p)
	}
	// 403 dropped the stale reference.
	if ok, _ := e.rdb.SIsMember(ctx, e.store.Key("users"), gone).Result(); ok {
		t.Fatal("stale reference kept")
	}
	rows, _ := s.Rows(ctx, id)
	codes := map[string]string{}
	for _, r := range rows {
		codes[r.AadID] = string(r.Status) + "/" + r.Code
	}
	if codes[aadN(4)] != "unreachable/403 ConversationBlockedByUser" || codes[aadN(1)] != "sent/" {
		t.Fatalf("rows %v", codes)
	}
}

func TestFollowUpGoesToExactlyThoseWhoDidNotAcknowledge(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	keys := make([]string, 4)
	for i := range keys {
		keys[i] = e.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	s := e.service("a", nil)
	id := "c0000000000000101"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceAll}))
	e.run(id, s)
	e.rdb.SAdd(ctx, e.store.Key("campaign", id, "ack"), keys[0], keys[2])
	f, err := s.FollowUp(ctx, id, "c0000000000000102", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	p := e.run(f.ID, s)
	if p.Sent != 2 || p.FollowUpOf != id {
		t.Fatalf("progress %+v", p)
	}
	got := e.fake.Delivered()
	if got["a:"+aadN(1)] != 2 || got["a:"+aadN(3)] != 2 || got["a:"+aadN(0)] != 1 || got["a:"+aadN(2)] != 1 {
		t.Fatalf("delivered %v", got)
	}
	rows, _ := s.Rows(ctx, f.ID)
	if len(rows) != 2 || rows[0].AadID != aadN(1) || rows[1].AadID != aadN(3) {
		t.Fatalf("follow-up rows %+v", rows)
	}
	if _, err := s.FollowUp(ctx, id, "c0000000000000103", ""); err == nil {
		t.Fatal("a double click made a second follow-up")
	}
}

func TestChannelsAudience(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for i := range 2 {
		h := e.hasher.Sum("team", fmt.Sprintf("msteams|19:chan%d@thread.tacv2", i))
		ref, _ := json.Marshal(activity.Ref{ServiceURL: e.fake.URL(), ChannelID: "msteams", ConversationID: fmt.Sprintf("19:chan%d@thread.tacv2", i), BotID: "28:bot", Locale: "da-DK"})
		e.rdb.HSet(ctx, e.store.Key("team", h), "ref", e.keys.Seal(ref, []byte("team:"+h)))
		e.rdb.SAdd(ctx, e.store.Key("teams"), h)
	}
	e.addUser(aadN(1), "da-DK", dialogs.Profile{})
	s := e.service("a", nil)
	id := "c0000000000000111"
	e.start(s, spec(id, dialogs.CampaignAudience{Kind: dialogs.AudienceChannels}))
	p := e.run(id, s)
	got := e.fake.Delivered()
	if p.Sent != 2 || got["19:chan0@thread.tacv2"] != 1 || got["19:chan1@thread.tacv2"] != 1 || got["a:"+aadN(1)] != 0 {
		t.Fatalf("progress %+v delivered %v", p, got)
	}
	_, text := e.fake.Lang("19:chan0@thread.tacv2")
	if strings.Contains(text, dialogs.VerbCampaignAck) || strings.Contains(text, dialogs.VerbMute) {
		t.Fatalf("channel card has personal buttons: %s", text)
	}
}

func TestRepeatingCampaignRunsAtTheSameDanishTimeAcrossDST(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.addUser(aadN(1), "da-DK", dialogs.Profile{})
	// The clock of this test is the day before the spring change.
	offset := time.Until(time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC))
	s := e.service("a", func(c *campaign.Config) { c.Now = func() time.Time { return time.Now().Add(offset) } })
	at, _ := dialogs.LocalTime("2026-03-28", "09:00")
	sp := spec("c0000000000000201", dialogs.CampaignAudience{Kind: dialogs.AudienceAll})
	sp.At, sp.Repeat = at.UTC(), "daily"
	if err := s.Create(ctx, sp); err != nil {
		t.Fatal(err)
	}
	first := e.rdb.ZRangeWithScores(ctx, e.store.Key("sched"), 0, -1).Val()
	if len(first) != 1 || int64(first[0].Score) != time.Date(2026, 3, 28, 8, 0, 0, 0, time.UTC).UnixMilli() {
		t.Fatalf("first run scheduled %v", first)
	}
	due := redisstore.Due{ID: first[0].Member.(string), Kind: campaign.KindStart, Payload: []byte(sp.ID), At: at}
	for range 2 { // fired twice (a replica died after starting it): harmless
		if err := s.HandleStart(ctx, due); err != nil {
			t.Fatal(err)
		}
	}
	run := sp.ID + ".20260328"
	p := e.run(run, s)
	if p.Sent != 1 || p.Total != 1 {
		t.Fatalf("run %+v", p)
	}
	// Next: 09:00 CEST on the 29th = 07:00 UTC (23 hours later).
	next := e.rdb.ZRangeWithScores(ctx, e.store.Key("sched"), 0, -1).Val()
	want := time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC).UnixMilli()
	found := false
	for _, z := range next {
		if int64(z.Score) == want {
			found = true
		}
	}
	if !found {
		t.Fatalf("next run not at 07:00 UTC: %v", next)
	}
	if got := e.fake.Delivered()["a:"+aadN(1)]; got != 1 {
		t.Fatalf("delivered %d", got)
	}
	// Cancelled: the next occurrence fires and does nothing.
	if err := s.Cancel(ctx, sp.ID); err != nil {
		t.Fatal(err)
	}
	next29, _ := dialogs.LocalTime("2026-03-29", "09:00")
	if err := s.HandleStart(ctx, redisstore.Due{Payload: []byte(sp.ID), At: next29}); err != nil {
		t.Fatal(err)
	}
	if n := e.rdb.Exists(ctx, e.store.Key("campaign", sp.ID+".20260329")).Val(); n != 0 {
		t.Fatal("a cancelled campaign ran again")
	}
}
