package report_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
	"github.com/kk/graensen/internal/bottest"
)

// The "Done when" for Redis' history: the real bot, through the
// webhook, on a redis-server of its own with appendonly yes, files a
// report, the unit answers, the reporter checks the receipt and writes
// back, with releases in between; the append-only file's history (every
// MULTI/EXEC block: transactions and the effects of scripts) never writes
// a person's keys together with a report's, receipt's or case session's,
// and every expiry of a person's key falls on a whole hour. After the last
// release Redis has rewritten the AOF: no history from before it is left.
func TestAOFHistoryLinksNoReportToAPerson(t *testing.T) { aofHistory(t, false) }

// The same with the tenant-wide outbox (issue 15): the notification to
// the reporter is queued (a write of its own, ob:e:* a person's key) and
// sent by the outbox; no block links it to the case.
func TestAOFHistoryLinksNoReportToAPersonThroughTheOutbox(t *testing.T) { aofHistory(t, true) }

func aofHistory(t *testing.T, withOutbox bool) {
	srv := redistest.StartServer(t)
	store := redisstore.New(srv.Client(), "g:")
	o := bottest.Options{Store: store}
	var ob *outbox.Service
	if withOutbox {
		o.Outbox = func(h *bottest.Harness) *outbox.Service {
			conn, _ := connector.New(connector.Config{MaxRetries: -1})
			ob = outbox.New(outbox.Config{Store: h.Store, Keys: h.Keys, Conn: conn, Rate: 50, Poll: 10 * time.Millisecond})
			return ob
		}
	}
	r := newRig(t, o, nil)
	r.run(t)
	if ob != nil {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { ob.Run(ctx) })
		t.Cleanup(func() { cancel(); wg.Wait() })
	}
	var history []redistest.Block
	snapshot := func() { history = append(history, srv.History()...) }

	r.registerInbox(t)
	code := receiptOf(t, r.fileReport(t, "da-DK", true).Card)
	snapshot()
	r.release(t)
	inbox := r.inboxCard(t)
	if seq := srv.WaitRewrite(); seq < 2 {
		t.Fatalf("the AOF was not rewritten after the release (base %d)", seq)
	}

	// The unit answers; the reporter is told at the next release.
	r.MustPost(r.handler(handlerAAD, "", with(action(t, inbox, dialogs.VerbCaseReply), map[string]any{"reply": "Tak for din henvendelse"}), "bot-act-1"))
	r.next(t, "answered card", func(s bottest.Sent) bool { return s.Method == http.MethodPut })
	snapshot()
	r.release(t)
	r.next(t, "notification", named("Der er nyt til dig", toChat))
	srv.WaitRewrite()

	// The reporter checks the receipt and writes back.
	entry := r.dialog(t, "da-DK", "task/fetch", map[string]any{"a": dialogs.VerbReceipt, "msteams": map[string]any{"type": "task/fetch"}})
	status := r.press(t, "da-DK", entry, dialogs.VerbReceiptCheck, map[string]any{"code": code})
	wantDialog(t, status, "Din sag")
	wantDialog(t, r.press(t, "da-DK", status, dialogs.VerbReceiptMessage, map[string]any{"msg": "Det skete igen"}), "Enheden ser det den")
	// A wrong code counts against the person's hourly limit.
	wantDialog(t, r.press(t, "da-DK", entry, dialogs.VerbReceiptCheck, map[string]any{"code": "ABCDEFGHJKMNPQRSTVWX"}), "kan ikke finde")
	snapshot()
	before := srv.WaitRewrite()
	r.release(t)
	r.next(t, "thread notice", func(s bottest.Sent) bool {
		return s.Method == http.MethodPost && strings.HasSuffix(s.Path, ";messageid=bot-act-1/activities")
	})
	if after := srv.WaitRewrite(); after <= before {
		t.Fatalf("no AOF rewrite after the last release (base %d, then %d)", before, after)
	}
	snapshot()

	// The history must have seen both kinds of write, or it proves nothing.
	var personal, cases, queued int
	for _, b := range history {
		for _, cmd := range b {
			for _, kv := range redistest.WrittenKeys(cmd) {
				if strings.HasPrefix(kv[0], "g:ob:e:") {
					queued++
				}
				switch store.Classify(kv[0]) {
				case redisstore.Person:
					personal++
				case redisstore.Case:
					cases++
				}
			}
		}
	}
	if personal < 10 || cases < 10 {
		t.Fatalf("the AOF history holds %d writes of person keys and %d of case keys: too few to judge", personal, cases)
	}
	if withOutbox != (queued > 0) {
		t.Fatalf("outbox %v: %d writes of queued messages", withOutbox, queued)
	}
	t.Logf("AOF history: %d blocks, %d writes of person keys, %d of case keys", len(history), personal, cases)
	for _, v := range redistest.Violations(history, store) {
		t.Error(v)
	}
	// Nothing in the history in clear: identities, the report, the
	// receipt, the Teams id of the posted card (it carries a time).
	forbidden := append(append([]string{}, secrets...), story, code, strings.ReplaceAll(code, "-", ""), "Det skete igen", "bot-act-1", "Tak for din")
	for _, b := range history {
		for _, cmd := range b {
			for _, a := range cmd {
				for _, f := range forbidden {
					if strings.Contains(a, f) {
						t.Fatalf("%q in clear in the AOF (%s)", f, cmd[0])
					}
				}
			}
		}
	}
	// After the last release's rewrite, what is left on disk as history
	// holds none of the turns or case writes from before it.
	for _, b := range srv.History() {
		for _, cmd := range b {
			for _, kv := range redistest.WrittenKeys(cmd) {
				if k := kv[0]; strings.HasPrefix(k, "g:conv:") || strings.HasPrefix(k, "g:user:") || strings.HasPrefix(k, "g:receipt:") ||
					(strings.HasPrefix(k, "g:report:") && strings.Count(k, ":") == 2 && strings.EqualFold(cmd[0], "XADD")) {
					t.Fatalf("history from before the release is still in the AOF: %s %s", cmd[0], k[:8])
				}
			}
		}
	}
}
