package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kk/graensen/bot/campaign"
)

// TestCampaignRetentionConfigAndPurgeIsWired: GRAENSEN_CAMPAIGN_RETENTION
// defaults to 90 days and is checked, and the scheduler knows the purge
// kind (an unknown kind would be dropped, and the campaign kept forever).
func TestCampaignRetentionConfigAndPurgeIsWired(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || c.CampaignRetention != 2160*time.Hour {
		t.Fatalf("default retention %v (%v)", c.CampaignRetention, err)
	}
	if c, err := loadConfig(env(map[string]string{"GRAENSEN_CAMPAIGN_RETENTION": "720h"})); err != nil || c.CampaignRetention != 720*time.Hour {
		t.Fatalf("retention 720h: %v (%v)", c.CampaignRetention, err)
	}
	for _, bad := range []string{"-1h", "0s", "soon"} {
		if _, err := loadConfig(env(map[string]string{"GRAENSEN_CAMPAIGN_RETENTION": bad})); err == nil {
			t.Errorf("retention %q accepted", bad)
		}
	}
	a, err := wire(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, k := range []string{campaign.KindStart, campaign.KindPurge} {
		if a.sched.Handlers[k] == nil {
			t.Errorf("no scheduler handler for %s", k)
		}
	}
}
