package main

import (
	"runtime/debug"
	"testing"
)

// TestGCDefault: without GOGC the collector's target is defaultGCPercent
// once the bot is wired, and restore puts the previous one back; with GOGC
// set (even to the default) it is left as the runtime read it.
func TestGCDefault(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	restore := gcDefault(func(string) string { return "" })
	if got := debug.SetGCPercent(defaultGCPercent); got != defaultGCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, defaultGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after restore the target is %d, want the previous 100", got)
	}
	gogc := func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	}
	gcDefault(gogc)()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the target became %d, want it left at 100", got)
	}
}
