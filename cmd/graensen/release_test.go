package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInboxReleaseConfig(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || c.Release.Every != 0 || !slices.Equal(c.Release.Clocks, []int{8 * 60, 12 * 60, 15 * 60}) {
		t.Fatalf("default release = %+v, %v; want 08:00,12:00,15:00", c.Release, err)
	}
	c, err = loadConfig(env(map[string]string{"GRAENSEN_INBOX_RELEASE": "20s"}))
	if err != nil || c.Release.Every != 20*time.Second {
		t.Fatalf("interval release = %+v, %v", c.Release, err)
	}
	if _, err := loadConfig(env(map[string]string{"GRAENSEN_INBOX_RELEASE": "noon"})); err == nil || !strings.Contains(err.Error(), "GRAENSEN_INBOX_RELEASE") {
		t.Fatalf("a bad release was accepted or not named: %v", err)
	}
}
