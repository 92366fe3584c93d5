package feedback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/feedback"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/bottest"
)

// adminAAD is the harness user's Entra object id (bottest.Harness.Activity).
const adminAAD = "aad-0000-secret"

func newBot(t *testing.T) (*bottest.Harness, *feedback.Service) {
	t.Helper()
	var svc *feedback.Service
	h := bottest.New(t, bottest.Options{
		Local: true,
		Engine: dialogs.Config{
			Admins: []string{adminAAD},
			// Nothing fits: every question gets the "share it" offer.
			Matcher: func(string, string) (string, []string) { return "", nil },
		},
		Effects: func(h *bottest.Harness) []effect.Func {
			svc = &feedback.Service{Store: h.Store, Keys: h.Keys, Now: time.Now}
			return []effect.Func{svc.Effect}
		},
	})
	return h, svc
}

// fbKeys lists the feedback keys under the test's prefix.
func fbKeys(t *testing.T, h *bottest.Harness) []string {
	t.Helper()
	keys, err := h.Store.Client().Keys(context.Background(), h.Prefix+"fb:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// waitKeys polls until n feedback keys exist (the write follows the commit).
func waitKeys(t *testing.T, h *bottest.Harness, n int) []string {
	t.Helper()
	for i := 0; i < 200; i++ {
		if k := fbKeys(t, h); len(k) >= n {
			return k
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("want %d feedback keys, have %v", n, fbKeys(t, h))
	return nil
}

func submitWith(t *testing.T, card map[string]any, verb string) map[string]any {
	t.Helper()
	for _, d := range bottest.Submits(card) {
		if d[dialogs.KeyAction] == verb {
			return d
		}
	}
	t.Fatalf("no %q button in %s", verb, bottest.CardText(card))
	return nil
}

func TestFeedbackIsSealedAnonymousByDayAndOnlyWhenChosen(t *testing.T) {
	h, _ := newBot(t)
	ctx := context.Background()
	question := "min kollega Jens Jensen gør noget mærkeligt ved printeren"
	h.MustPost(h.Message("m1", question))
	card := bottest.CardOf(t, h.Conn.Wait(t, 1)[0])
	share := submitWith(t, card, dialogs.VerbFeedbackShare)
	if strings.Contains(bottest.CardText(card), "Jens") || strings.Contains(fmt.Sprint(share), "Jens") {
		t.Fatalf("the card echoes the question: %v", share)
	}

	// Asking stores nothing: only the user's choice does (once the turn and
	// everything it delivers are done).
	if err := h.Bot.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if k := fbKeys(t, h); len(k) != 0 {
		t.Fatalf("feedback stored without the user choosing to share: %v", k)
	}

	h.MustPost(h.Submit("m2", share))
	if txt := bottest.CardText(bottest.CardOf(t, h.Conn.Wait(t, 2)[1])); !strings.Contains(txt, "delt med AMK") {
		t.Fatalf("no thanks after sharing: %s", txt)
	}
	h.MustPost(h.Submit("m3", map[string]any{dialogs.KeyAction: dialogs.VerbHelpful, dialogs.KeyArg: "y:topic:sexism"}))
	h.Conn.Wait(t, 3)
	keys := waitKeys(t, h, 2)

	day := redisstore.FeedbackDay(time.Now())
	want := map[string]bool{h.Prefix + "fb:q:" + day: true, h.Prefix + "fb:v:" + day: true}
	for _, k := range keys {
		if !want[k] {
			t.Fatalf("unexpected feedback key %q (want only the day in the key)", k)
		}
		ttl, err := h.Store.Client().TTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 89*24*time.Hour || ttl > 90*24*time.Hour {
			t.Errorf("%s expires in %v, want within 90 days of the day it was filed", k, ttl)
		}
		members, err := h.Store.Client().SMembers(ctx, k).Result()
		if err != nil || len(members) != 1 {
			t.Fatalf("%s members %d err %v", k, len(members), err)
		}
		raw := members[0]
		for _, secret := range []string{"Jens", "printeren", "sexism", "user-secret-id", adminAAD, "conv-secret-id", "Karen"} {
			if strings.Contains(raw, secret) {
				t.Errorf("%s holds %q in the clear", k, secret)
			}
		}
		kind := strings.Split(strings.TrimPrefix(k, h.Prefix), ":")[1]
		plain, err := h.Keys.Open([]byte(raw), []byte("fb:"+kind+":"+day))
		if err != nil {
			t.Fatalf("%s does not open with the keyring: %v", k, err)
		}
		var fields map[string]any
		if err := json.Unmarshal(plain, &fields); err != nil {
			t.Fatal(err)
		}
		// No identity and no time: only the document and the answer, or
		// the question and its language.
		allowed := map[string]bool{"d": true, "h": true, "t": true, "l": true}
		for f := range fields {
			if !allowed[f] {
				t.Errorf("%s holds field %q: %s", k, f, plain)
			}
		}
		for _, secret := range []string{"secret", "aad", "29:", time.Now().Format("15:04")} {
			if strings.Contains(string(plain), secret) {
				t.Errorf("%s holds %q: %s", k, secret, plain)
			}
		}
	}
	// The user's own keys hold nothing of what was shared.
	all, _ := h.Store.Client().Keys(ctx, h.Prefix+"*").Result()
	for _, k := range all {
		if strings.Contains(k, ":fb:") {
			continue
		}
		if typ, _ := h.Store.Client().Type(ctx, k).Result(); typ == "hash" {
			vals, _ := h.Store.Client().HGetAll(ctx, k).Result()
			for _, v := range vals {
				if strings.Contains(v, "printeren") {
					t.Errorf("%s holds the shared question", k)
				}
			}
		}
	}
}

func TestAdminSeesCountsWithSmallOnesSuppressed(t *testing.T) {
	h, svc := newBot(t)
	ctx := context.Background()
	now := time.Now()
	// Six "yes" and two "no" on one topic, three questions.
	for i := 0; i < 8; i++ {
		arg := "y:topic:unit"
		if i >= 6 {
			arg = "n:topic:unit"
		}
		h.MustPost(h.Submit("v"+string(rune('a'+i)), map[string]any{dialogs.KeyAction: dialogs.VerbHelpful, dialogs.KeyArg: arg}))
	}
	for i, q := range []string{"spørgsmål et", "spørgsmål to", "spørgsmål tre"} {
		h.MustPost(h.Message("q"+string(rune('a'+i)), q))
		h.Conn.Wait(t, 8+2*i+1)
		h.MustPost(h.Submit("qs"+string(rune('a'+i)), map[string]any{dialogs.KeyAction: dialogs.VerbFeedbackShare}))
		h.Conn.Wait(t, 8+2*i+2)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		s, err := svc.Summary(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Votes) == 1 && s.Votes[0].Yes+s.Votes[0].No == 8 && s.QuestionCount != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary never complete: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Teams: the command word opens the admin card.
	h.MustPost(h.Message("adm", "tilbagemeldinger"))
	sent := h.Conn.Wait(t, 15)
	txt := bottest.CardText(bottest.CardOf(t, sent[len(sent)-1]))
	for _, want := range []string{"6 ja / <5 nej", "Delte spørgsmål (<5)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("admin card lacks %q: %s", want, txt)
		}
	}
	if strings.Contains(txt, "spørgsmål et") {
		t.Errorf("fewer than 5 questions must not be listed: %s", txt)
	}

	// The admin API: the same summary, behind the admin authentication.
	auth, err := admin.NewAuthenticator(admin.AuthConfig{Admins: []string{adminAAD}, StaticToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	svc.Routes(auth)(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(token string) (int, string) {
		code, b := bottest.GetWithToken(t, srv.URL+"/api/admin/feedback", token)
		return code, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := get("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := get("tok")
	if code != http.StatusOK {
		t.Fatalf("admin: %d %s", code, body)
	}
	var got dialogs.FeedbackSummary
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Votes) != 1 || got.Votes[0].YesShow != "6" || got.Votes[0].NoShow != "<5" || got.QuestionCount != "<5" || len(got.Questions) != 0 {
		t.Fatalf("API summary %s", body)
	}
	if strings.Contains(body, `"yes":2`) || strings.Contains(body, "spørgsmål") {
		t.Fatalf("API leaks suppressed figures: %s", body)
	}

	// Two more questions make five: now they are listed, by day only.
	for i, q := range []string{"spørgsmål fire", "spørgsmål fem"} {
		h.MustPost(h.Message("r"+string(rune('a'+i)), q))
		h.Conn.Wait(t, 15+2*i+1)
		h.MustPost(h.Submit("rs"+string(rune('a'+i)), map[string]any{dialogs.KeyAction: dialogs.VerbFeedbackShare}))
		h.Conn.Wait(t, 15+2*i+2)
	}
	for i := 0; ; i++ {
		s, _ := svc.Summary(ctx, now)
		if len(s.Questions) == 5 {
			if s.Questions[0].Day != redisstore.FeedbackDay(now) || s.QuestionCount != "5" {
				t.Fatalf("questions %+v", s)
			}
			break
		}
		if i == 150 {
			t.Fatalf("five questions never listed: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNonAdminGetsNoFeedbackCard(t *testing.T) {
	var svc *feedback.Service
	h := bottest.New(t, bottest.Options{Local: true, Effects: func(h *bottest.Harness) []effect.Func {
		svc = &feedback.Service{Store: h.Store, Keys: h.Keys, Now: time.Now}
		return []effect.Func{svc.Effect}
	}})
	h.MustPost(h.Message("x", "feedback"))
	txt := bottest.CardText(bottest.CardOf(t, h.Conn.Wait(t, 1)[0]))
	if strings.Contains(txt, "Tilbagemeldinger fra brugerne") {
		t.Fatalf("a non-admin saw the feedback card: %s", txt)
	}
}
