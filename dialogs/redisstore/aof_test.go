package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/dialogs/redisstore/redistest"
)

// The AOF reader itself: what Redis 7 logs for a transaction, a script and
// a plain command, and that the checker finds a linking block and an
// off-hour expiry when someone writes them past the store.
func TestAOFReaderSeesBlocksAndBreaches(t *testing.T) {
	ctx := context.Background()
	srv := redistest.StartServer(t)
	rdb := srv.Client()
	s := redisstore.New(rdb, "g:")

	// Through the store: a turn (a script) and a case write (a script).
	if err := s.CommitTurn(ctx, redisstore.TurnCommit{Conv: "c1", User: "u1", ConvData: []byte("x"), ConvTTL: time.Hour,
		Profile: []byte("{}"), UserTTL: 3 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, []redisstore.Op{s.PendingOp("new", "K1"), {Cmd: "XADD", Key: s.CaseKey("K1"), Args: []any{"0-*", "e", "sealed"}}}); err != nil {
		t.Fatal(err)
	}
	clean := srv.History()
	if v := redistest.Violations(clean, s); len(v) != 0 {
		t.Fatalf("the store's own writes breach its rules: %v", v)
	}
	var multi int
	for _, b := range clean {
		if len(b) > 1 {
			multi++
		}
	}
	if multi < 2 {
		t.Fatalf("want the two scripts as MULTI/EXEC blocks, got %d in %v", multi, clean)
	}

	// Past the store: a transaction linking a user to a receipt, and a
	// relative expiry on a conversation.
	pipe := rdb.TxPipeline()
	pipe.HSet(ctx, "g:user:u2", "p", "{}")
	pipe.HSet(ctx, "g:receipt:r2", "c", "sealed")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, "g:conv:c2", "s", "x")
	rdb.PExpire(ctx, "g:conv:c2", 90*time.Minute)
	// A script linking a rate counter to a case session (logged as its effects).
	redis.NewScript(`redis.call('INCR', KEYS[1]); redis.call('SET', KEYS[2], 'x'); return 1`).Run(ctx, rdb, []string{"g:rate:file:h", "g:rsess:h"})

	v := redistest.Violations(srv.History(), s)
	text := strings.Join(v, "\n")
	if len(v) != 3 || strings.Count(text, "links a person") != 2 || !strings.Contains(text, "not on a whole hour") {
		t.Fatalf("breaches found:\n%s", text)
	}
	for _, leak := range []string{"u2", "r2", "c2"} {
		if strings.Contains(text, leak) {
			t.Fatalf("the report names a key's hash %q:\n%s", leak, text)
		}
	}
}
