package report_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/cards/cardschema"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
)

const adminAAD = "aad-admin-1"

// statsRig is the report rig with the statistics service, the use
// counters and the admin API.
type statsRig struct {
	*rig
	st  *statistics.Service
	api *httptest.Server
}

func newStatsRig(t *testing.T) *statsRig {
	t.Helper()
	s := &statsRig{}
	o := bottest.Options{Engine: dialogs.Config{Admins: []string{adminAAD}}}
	o.Effects = func(h *bottest.Harness) []effect.Func {
		s.st = statistics.New(h.Store, 3, func(ctx context.Context, today string) ([]dialogs.Overdue, error) {
			return s.svc.Overdue(ctx, today)
		}, nil)
		return []effect.Func{s.st.Effect}
	}
	o.CountUse = func(now time.Time, c dialogs.CountUse) { s.st.Usage.Add(now, c) }
	s.rig = newRig(t, o, func(svc *report.Service) { svc.Limits.FilesPerUserDay = 50 })
	auth, err := admin.NewAuthenticator(admin.AuthConfig{Admins: []string{adminAAD}, StaticToken: "local-token"})
	if err != nil {
		t.Fatal(err)
	}
	g := gin.New()
	s.st.Routes(auth)(g)
	s.api = httptest.NewServer(g)
	t.Cleanup(s.api.Close)
	return s
}

// private builds a message from someone's own 1:1 chat with the bot.
func (s *statsRig) private(aad, locale, text string, values map[string]any) schema.Activity {
	a := s.Activity(schema.Message, s.id())
	a.From = schema.ChannelAccount{ID: "29:" + aad, Name: "Someone", AadObjectID: aad}
	a.Conversation = schema.ConversationAccount{ID: "a:chat-" + aad, ConversationType: "personal", TenantID: "tenant-secret-id"}
	a.Text, a.Value, a.Locale = text, values, locale
	return a
}

func inChat(aad string) func(bottest.Sent) bool {
	return func(x bottest.Sent) bool {
		return x.Method == http.MethodPost && strings.Contains(x.Path, "/a:chat-"+aad+"/")
	}
}

func (s *statsRig) get(t *testing.T, format, token string) (int, []byte) {
	t.Helper()
	return bottest.GetWithToken(t, s.api.URL+"/api/admin/stats?format="+format, token)
}

// TestStatisticsThroughTheWebhook files reports with chosen answers
// through the webhook, lets the inbox worker release them, acts on one as
// a handler, opens topics, and reads the statistics as a handler (Danish)
// and an admin (English) through the card, and through the API as JSON
// and CSV; a reporter is refused; a retention purge of every case leaves
// the counts as they were; no counter holds a case id.
func TestStatisticsThroughTheWebhook(t *testing.T) {
	s := newStatsRig(t)
	s.run(t)
	s.registerInbox(t)
	ctx := context.Background()

	// Four reports from an event by a colleague, one online by a manager.
	for i := 0; i < 5; i++ {
		where, who, wish := "event", "colleague", "advice"
		if i == 4 {
			where, who, wish = "online", "manager", "investigate"
		}
		locale := []string{"da-DK", "en-US"}[i%2]
		s.fileReportWith(t, locale, false, map[string]any{"when": "week", "where": where},
			map[string]any{"often": "once", "duration": "short", "grave": "some", "who": who}, wish)
	}
	s.release(t) // the reports reach the unit, and the statistics, at the release
	var inbox []bottest.Sent
	for i := 0; i < 5; i++ {
		inbox = append(inbox, s.next(t, "inbox card", toChannel))
	}
	// A handler acknowledges one case from its inbox card.
	first := s.posted(t, inbox[0])
	s.MustPost(s.handler(handlerAAD, "", with(action(t, first, dialogs.VerbCaseStatus), map[string]any{"status": dialogs.StatusAck}), "bot-act-1"))
	s.next(t, "updated inbox card", func(x bottest.Sent) bool { return x.Method == http.MethodPut })

	// Three topics opened by someone (use of the guidance).
	for i := 0; i < 3; i++ {
		s.MustPost(s.private("aad-reader", "da-DK", "", map[string]any{"a": dialogs.VerbTopic, "v": "unit"}))
		s.next(t, "topic card", inChat("aad-reader"))
	}
	if err := s.st.Usage.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	month := dialogs.ReportDate(time.Now())[:7]
	counts, err := s.Store.StatsMonths(ctx, "r", []string{month})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"filed": 5, "where=event": 4, "where=online": 1, "who=colleague": 4, "who=manager": 1,
		"wants=advice": 4, "wants=investigate": 1, "grave=some": 5, "status=new": 4, "status=ack": 1, "ack7": 1}
	for f, n := range want {
		if counts[month][f] != n {
			t.Errorf("counter %s = %d, want %d (all: %v)", f, counts[month][f], n, counts[month])
		}
	}
	if _, ok := counts[month]["when=week"]; ok {
		t.Error(`"when" is counted: next to the month it dates the incident`)
	}

	// The handler's card (Danish): bars, small numbers suppressed, cases past a deadline named.
	s.MustPost(s.private(handlerAAD, "da-DK", "statistik", nil))
	hc := s.next(t, "handler's statistics card", inChat(handlerAAD))
	card := bottest.CardOf(t, hc)
	text := bottest.CardText(card)
	for _, w := range []string{"Statistik " + month[:4], "Anonyme henvendelser pr. måned", "< 3", "•", "Sager over en frist", "Ingen åbne sager er over en frist", "Emner åbnet"} {
		if !strings.Contains(text, w) {
			t.Errorf("handler's card lacks %q:\n%s", w, text)
		}
	}
	checkStatsCard(t, card)
	t.Logf("handler's card:\n%s", text)
	row := factRow(card, "på skrift eller online (mail, chat, sociale medier)")
	if row == "" || strings.Contains(row, "1") {
		t.Errorf("the one online report is shown: %q", row)
	}
	if ev := factRow(card, "til et arrangement eller en tur med arbejdet"); ev == "" || strings.Contains(ev, "4") {
		t.Errorf("the four event reports would give the online one away (5 − 4): %q", ev)
	}

	// The admin's card (English): the same counts, no case numbers.
	s.MustPost(s.private(adminAAD, "en-US", "statistics", nil))
	ac := bottest.CardOf(t, s.next(t, "admin's statistics card", inChat(adminAAD)))
	atext := bottest.CardText(ac)
	if !strings.Contains(atext, "Statistics "+month[:4]) || !strings.Contains(atext, "< 3") || strings.Contains(atext, "past a deadline") || strings.Contains(atext, "K-") {
		t.Errorf("admin's card:\n%s", atext)
	}
	checkStatsCard(t, ac)

	// Anyone else is told kindly, in their language.
	s.MustPost(s.private("aad-reader", "en-US", "statistics", nil))
	if rt := cardText(s.next(t, "refusal", inChat("aad-reader"))); !strings.Contains(rt, "only for the unit's case handlers") {
		t.Errorf("refusal: %q", rt)
	}

	// The API: refused without the admin token; JSON and CSV say what the card says.
	if code, _ := s.get(t, "json", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := s.get(t, "xml", "local-token"); code != http.StatusBadRequest {
		t.Errorf("bad format: %d", code)
	}
	before := apiCells(t, s)
	m := month
	if got := before["filed||"+m]; got != float64(5) {
		t.Errorf("API filed %s = %v", m, got)
	}
	if got := before["where|online|"+m]; got != "< 3" {
		t.Errorf("API where=online %s = %v, want \"< 3\"", m, got)
	}
	if got := before["where|event|"+m]; got != "•" {
		t.Errorf("API where=event %s = %v, want hidden", m, got)
	}
	code, body := s.get(t, "csv", "local-token")
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if code != http.StatusOK || err != nil {
		t.Fatalf("csv: %d %v", code, err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == m {
			col = i
		}
	}
	for _, rec := range recs[1:] {
		if rec[1] == "where" && rec[2] == "online" && rec[col] != "< 3" {
			t.Errorf("csv where=online: %q", rec[col])
		}
		if rec[1] == "where" && rec[2] == "event" && rec[col] != "•" {
			t.Errorf("csv where=event: %q", rec[col])
		}
	}

	// No counter holds a case id or anyone's identity.
	ids, _ := s.Store.CaseIDs(ctx)
	if len(ids) != 5 {
		t.Fatalf("%d cases stored", len(ids))
	}
	dump := redistest.Dump(ctx, t, s.Store.Client(), s.Prefix)
	for k, v := range dump {
		if !strings.Contains(k, ":stats:") {
			continue
		}
		for _, id := range ids {
			if strings.Contains(k, id) || strings.Contains(v, id) {
				t.Errorf("counter %s holds case id %s", k, id)
			}
		}
	}
	s.checkAnonymous(t, story)

	// Retention: every case purged, the year's counts stay.
	for _, id := range ids {
		if err := s.svc.Purge(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := s.Store.CaseIDs(ctx); len(left) != 0 {
		t.Fatalf("cases left after purge: %v", left)
	}
	for k := range redistest.Dump(ctx, t, s.Store.Client(), s.Prefix) {
		if strings.HasSuffix(k, ":stats") {
			t.Errorf("a case's statistics marker outlived it: %s", k)
		}
	}
	after := apiCells(t, s)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("after the purge %s = %v, was %v", k, after[k], v)
		}
	}
}

// apiCells reads the JSON API into question|answer|period → value.
func apiCells(t *testing.T, s *statsRig) map[string]any {
	t.Helper()
	code, body := s.get(t, "json", "local-token")
	if code != http.StatusOK {
		t.Fatalf("api: %d %s", code, body)
	}
	var doc struct {
		Reports []statistics.JSONRow `json:"reports"`
		Use     []statistics.JSONRow `json:"use"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, r := range append(doc.Reports, doc.Use...) {
		for p, v := range r.Counts {
			out[r.Question+"|"+r.Answer+"|"+p] = v
		}
	}
	return out
}

// checkStatsCard: valid Adaptive Card 1.5, within Teams' message size,
// with bars (accent-coloured columns).
func checkStatsCard(t *testing.T, card map[string]any) {
	t.Helper()
	if err := cardschema.Validate(card); err != nil {
		t.Fatalf("statistics card invalid: %v", err)
	}
	b, _ := json.Marshal(card)
	if len(b) > 28_000 {
		t.Errorf("statistics card is %d bytes; Teams takes about 28 KB", len(b))
	}
	bars := 0
	for _, el := range bottest.Elements(card) {
		if el["type"] == "Column" && el["style"] == "accent" {
			bars++
		}
	}
	if bars == 0 {
		t.Error("no bars on the statistics card")
	}
}

// factRow is the value of the card's fact titled title ("" if none).
func factRow(card map[string]any, title string) string {
	for _, el := range bottest.Elements(card) {
		if el["type"] != "FactSet" {
			continue
		}
		for _, f := range el["facts"].([]any) {
			if m := f.(map[string]any); m["title"] == title {
				return m["value"].(string)
			}
		}
	}
	return ""
}
