package redisstore

import "testing"

// A commit whose bookkeeping comes after a newer one (another turn of the
// same conversation committed or read meanwhile) keeps the newer copy:
// putting the older one back made concurrent turns conflict again and
// again, until one gave up (TestTenConcurrentMessagesKeepConsistentState).
func TestALateCommitKeepsTheNewerCopy(t *testing.T) {
	s := &Store{}
	if err := s.CacheTurns(10); err != nil {
		t.Fatal(err)
	}
	s.cache.committed(TurnCommit{Conv: "c", User: "u", ConvVer: 5, ConvData: []byte("v6")})
	s.cache.loaded("c", "u", TurnData{ConvVer: 6, Conv: []byte("v6")}) // an equal read changes nothing
	s.cache.committed(TurnCommit{Conv: "c", User: "u", ConvVer: 6, ConvData: []byte("v7")})
	s.cache.committed(TurnCommit{Conv: "c", User: "u", ConvVer: 5, ConvData: []byte("late v6")})
	if e, _ := s.cache.convs.Peek("c"); e.ver != 7 || string(e.data) != "v7" {
		t.Fatalf("cached %d %q, want 7 \"v7\"", e.ver, e.data)
	}
	s.cache.loaded("c", "u", TurnData{ConvVer: 6, Conv: []byte("stale read")})
	if e, _ := s.cache.convs.Peek("c"); e.ver != 7 {
		t.Fatalf("a stale read replaced version 7 with %d", e.ver)
	}
}
