package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// loadCampaignConfig reads the campaign settings (issue 6).
func loadCampaignConfig(c *Config, getenv func(string) string) error {
	c.TenantRate = 50
	if v := strings.TrimSpace(getenv("GRAENSEN_TENANT_RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || r > 10000 {
			return fmt.Errorf("GRAENSEN_TENANT_RATE must be a positive number of requests per second: %q", v)
		}
		c.TenantRate = r
	}
	var err error
	if c.CampaignRetention, err = duration(getenv, "GRAENSEN_CAMPAIGN_RETENTION", 2160*time.Hour); err != nil {
		return err
	}
	c.AdminToken = strings.TrimSpace(getenv("GRAENSEN_ADMIN_TOKEN"))
	c.AdminAudience = strings.TrimSpace(getenv("GRAENSEN_ADMIN_AUDIENCE"))
	if c.AdminToken != "" && c.Env == "production" {
		return errors.New("GRAENSEN_ADMIN_TOKEN is for local use only; production uses Entra ID tokens (GRAENSEN_ADMIN_AUDIENCE)")
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return errors.New("GRAENSEN_ADMIN_TOKEN must be at least 16 characters")
	}
	return nil
}

// newCampaigns builds the campaign service. It has its own connector
// client without retries: the service retries through its queue, so a
// throttled conversation never holds a worker.
func newCampaigns(cfg Config, store *redisstore.Store, keys *seal.Keyring, hasher *seal.Hasher, r *cards.Renderer, m *bot.Metrics, log *slog.Logger, count func(time.Time, dialogs.CountUse)) (*campaign.Service, error) {
	conn, err := connector.New(connector.Config{
		AppID: cfg.AppID, AppPassword: cfg.AppPassword, TenantID: cfg.TenantID, AppType: cfg.AppType,
		TokenURL: cfg.TokenURL, Observer: m, MaxRetries: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("campaign connector: %w", err)
	}
	return campaign.New(campaign.Config{
		Store: store, Keys: keys, Hasher: hasher, Renderer: r, Conn: conn, Log: log, Rate: cfg.TenantRate,
		Retention: cfg.CampaignRetention, CountUse: count,
	}), nil
}

// mountCampaignAPI adds the admin API when it can be authenticated:
// Entra ID tokens of the bot's tenant with GRAENSEN_ADMIN_AUDIENCE, or the
// static token in local mode.
func mountCampaignAPI(cfg Config, b *bot.Bot, s *campaign.Service, log *slog.Logger, more ...func(statistics.Checker) func(*gin.Engine)) error {
	ac := campaign.AuthConfig{Admins: cfg.Admins}
	if cfg.TenantID != "" && cfg.AdminAudience != "" {
		ac.TenantID, ac.Audience = cfg.TenantID, cfg.AdminAudience
	}
	if cfg.Local() {
		ac.StaticToken = cfg.AdminToken
	}
	if ac.StaticToken == "" && ac.Audience == "" {
		log.Info("campaign admin API off: set GRAENSEN_ADMIN_AUDIENCE and MicrosoftAppTenantId (or GRAENSEN_ADMIN_TOKEN locally)")
		return nil
	}
	a, err := campaign.NewAuthenticator(ac)
	if err != nil {
		return err
	}
	if ac.StaticToken != "" {
		log.Warn("campaign admin API accepts the static GRAENSEN_ADMIN_TOKEN (local mode)")
	}
	b.Mount(s.Routes(a))
	for _, m := range more { // the statistics API, with the same admins
		b.Mount(m(a))
	}
	return nil
}
