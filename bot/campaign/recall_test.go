package campaign_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// An admin recalls a sent campaign and then corrects one: through the
// admin API, each is a run of its own with counts like a send, deleting
// (DELETE …/activities/{id}) or replacing (PUT) exactly the message each
// recipient got, the ids kept sealed.
func TestRecallAndCorrectThroughAdminAPI(t *testing.T) {
	const static = "local-static-token-123"
	fake := &fakeconn.Server{Rate: 50, P429: 0.1, RetryAfter: "0.2"}
	a := newAPIWith(t, static, fake, nil)
	for i := 1; i <= 4; i++ {
		a.addUser(aadN(i), "da-DK", dialogs.Profile{})
	}
	sp := apiSpec()
	sp.Audience.AadIDs = []string{aadN(1), aadN(2), aadN(3), aadN(4), aadN(5)} // 5 has no bot
	sent := a.createAndStart(static, sp)
	if p := a.run(sent.ID, a.svc); p.Sent != 4 {
		t.Fatalf("sent %+v", p)
	}
	for k, v := range redistestDump(t, a) {
		if strings.Contains(v, "act-") {
			t.Fatalf("activity id in the clear in %s", k)
		}
	}
	rework := func(path string, body any) string {
		code, out := a.do(http.MethodPost, "/api/admin/campaigns/"+sent.ID+"/"+path, static, body)
		var r struct {
			ID         string
			Recipients int
		}
		_ = json.Unmarshal(out, &r)
		if code != http.StatusCreated || r.Recipients != 4 {
			t.Fatalf("%s: %d %s", path, code, out)
		}
		if err := a.svc.Start(t.Context(), r.ID); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	fix := rework("correct", map[string]string{"titleDa": "Trin 2 (rettet)", "textDa": "Husk fristen fredag", "titleEn": "Step 2 (corrected)", "textEn": "Remember Friday's deadline"})
	if p := a.run(fix, a.svc); p.Sent != 4 || p.Failed != 0 {
		t.Fatalf("correct: %+v", p)
	}
	rec := rework("recall", nil)
	if p := a.run(rec, a.svc); p.Sent != 4 || p.Failed != 0 {
		t.Fatalf("recall: %+v", p)
	}
	for i := 1; i <= 4; i++ {
		ch := fake.Changed("a:" + aadN(i))
		if len(ch) != 2 || !strings.HasPrefix(ch[0], "PUT act-") || ch[1] != "DELETE "+strings.TrimPrefix(ch[0], "PUT ") {
			t.Fatalf("user %d: %v", i, ch)
		}
	}
	if d := fake.Delivered(); len(d) != 4 {
		t.Fatalf("new posts: %v", d)
	}
	// A recall of a recall is refused.
	if code, _ := a.do(http.MethodPost, "/api/admin/campaigns/"+rec+"/recall", static, nil); code != http.StatusConflict {
		t.Fatalf("recall of a recall: %d", code)
	}
	var p campaign.Progress
	_, body := a.do(http.MethodGet, "/api/admin/campaigns/"+rec, static, nil)
	_ = json.Unmarshal(body, &p)
	if p.Total != 4 || p.State != campaign.StateDone {
		t.Fatalf("recall progress %s", body)
	}
}

func redistestDump(t *testing.T, a *apiEnv) map[string]string {
	return redistest.Dump(t.Context(), t, a.rdb, a.prefix)
}
