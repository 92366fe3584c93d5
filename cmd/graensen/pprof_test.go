package main

import (
	"io"
	"log/slog"
	"testing"
)

// Profiles are served only on a loopback address of their own.
func TestPprofOnlyOnLoopback(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.0.0.1:6060", "localhost", "example.com:6060"} {
		if stop, err := servePprof(addr, log); err == nil {
			stop()
			t.Errorf("%q accepted", addr)
		}
	}
	stop, err := servePprof("", log)
	if err != nil {
		t.Fatalf("unset: %v", err)
	}
	stop()
	stop, err = servePprof("127.0.0.1:0", log)
	if err != nil {
		t.Fatalf("loopback: %v", err)
	}
	stop()
}
