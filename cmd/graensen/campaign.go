package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/admin"
	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/graph"
	"github.com/kk/graensen/bot/outbox"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// DefaultServiceURL is Teams' public global Bot Connector endpoint for
// proactive messages, used only for a chat found through Graph (the
// service URL of a stored reference is always used where there is one).
const DefaultServiceURL = "https://smba.trafficmanager.net/teams/"

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
	c.AdminOpenIDMetadata = strings.TrimSpace(getenv("GRAENSEN_ADMIN_OPENID_METADATA"))
	if c.AdminToken != "" && c.Env == "production" {
		return errors.New("GRAENSEN_ADMIN_TOKEN is for local use only; production uses Entra ID tokens (GRAENSEN_ADMIN_AUDIENCE)")
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return errors.New("GRAENSEN_ADMIN_TOKEN must be at least 16 characters")
	}
	c.ReplyReserve = 0.1
	if v := strings.TrimSpace(getenv("GRAENSEN_REPLY_RESERVE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 0.5 {
			return fmt.Errorf("GRAENSEN_REPLY_RESERVE must be a share from 0 to 0.5 of the tenant rate: %q", v)
		}
		c.ReplyReserve = r
	}
	c.GraphURL = strings.TrimSpace(getenv("GRAENSEN_GRAPH_URL"))
	c.TeamsAppID = strings.TrimSpace(getenv("GRAENSEN_TEAMS_APP_ID"))
	c.ServiceURL = strings.TrimSpace(getenv("GRAENSEN_SERVICE_URL"))
	if c.ServiceURL == "" {
		c.ServiceURL = DefaultServiceURL
	}
	if u, err := url.Parse(c.ServiceURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(c.Local() && u.Scheme == "http")) {
		return fmt.Errorf("GRAENSEN_SERVICE_URL must be an https URL (http only in local mode): %q", c.ServiceURL)
	}
	if c.AdminScopes, err = campaign.ParseScopes(getenv("GRAENSEN_ADMIN_SCOPES")); err != nil {
		return fmt.Errorf("GRAENSEN_ADMIN_SCOPES: %w", err)
	}
	if c.ApprovalOver, err = whole(getenv, "GRAENSEN_CAMPAIGN_APPROVAL_OVER", 0, 10_000_000, campaign.DefaultApprovalOver, "recipients (0: no approval)"); err != nil {
		return err
	}
	if c.ApprovalOver == 0 {
		c.ApprovalOver = -1
	}
	c.CampaignWorkers, err = whole(getenv, "GRAENSEN_CAMPAIGN_WORKERS", 1, 4096, c.CampaignWorkers, "workers")
	return err
}

// newDirectory is the Microsoft Graph client for group audiences: the
// bot's own app registration (client credentials, its tenant), or, in
// local mode without an app id, an unauthenticated fake at
// GRAENSEN_GRAPH_URL. Nil when neither is possible.
func newDirectory(cfg Config, log *slog.Logger) (*graph.Client, error) {
	gc := graph.Config{BaseURL: cfg.GraphURL}
	switch {
	case cfg.AppID != "" && cfg.TenantID != "":
		gc.TenantID, gc.ClientID, gc.ClientSecret = cfg.TenantID, cfg.AppID, cfg.AppPassword
	case cfg.AppID == "" && cfg.Local() && cfg.GraphURL != "":
		log.Warn("Microsoft Graph without a token (local mode)", "url", cfg.GraphURL)
	default:
		log.Info("campaign group audiences off: they need MicrosoftAppId and MicrosoftAppTenantId (GroupMember.Read.All)")
		return nil, nil
	}
	c, err := graph.New(gc)
	if err != nil {
		return nil, err
	}
	return c, nil
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
	cc := campaign.Config{
		Store: store, Keys: keys, Hasher: hasher, Renderer: r, Conn: conn, Log: log, Rate: cfg.proactiveRate(),
		Retention: cfg.CampaignRetention, Workers: cfg.CampaignWorkers, CountUse: count,
		Admins: cfg.Admins, Scopes: cfg.AdminScopes, ApprovalOver: cfg.ApprovalOver,
	}
	gc, err := newDirectory(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("campaign graph: %w", err)
	}
	if gc != nil {
		cc.Directory = gc
		if cfg.TeamsAppID != "" { // proactive installation (TeamsAppInstallation.ReadWriteSelfForUser.All)
			cc.Installer = graph.Installer{Client: gc, AppID: cfg.TeamsAppID}
			// After a 409 without a reference: the chat Graph names.
			cc.ServiceURL, cc.TenantID = cfg.ServiceURL, cfg.TenantID
			if cfg.AppID != "" {
				cc.BotID = "28:" + cfg.AppID
			}
		}
	}
	return campaign.New(cc), nil
}

// mountCampaignAPI adds the admin API when it can be authenticated:
// Entra ID tokens of the bot's tenant with GRAENSEN_ADMIN_AUDIENCE, or the
// static token in local mode.
func mountCampaignAPI(cfg Config, b *bot.Bot, keys *auth.Keys, s *campaign.Service, log *slog.Logger, more ...func(admin.Checker) func(*gin.Engine)) error {
	ac := admin.AuthConfig{Admins: cfg.Admins, Keys: keys} // one signing-key cache with inbound auth
	if cfg.TenantID != "" && cfg.AdminAudience != "" {
		ac.TenantID, ac.Audience, ac.OpenIDMetadataURL = cfg.TenantID, cfg.AdminAudience, cfg.AdminOpenIDMetadata
	}
	if cfg.Local() {
		ac.StaticToken = cfg.AdminToken
	}
	if ac.StaticToken == "" && ac.Audience == "" {
		log.Info("campaign admin API off: set GRAENSEN_ADMIN_AUDIENCE and MicrosoftAppTenantId (or GRAENSEN_ADMIN_TOKEN locally)")
		return nil
	}
	a, err := admin.NewAuthenticator(ac)
	if err != nil {
		return err
	}
	if ac.StaticToken != "" {
		log.Warn("campaign admin API accepts the static GRAENSEN_ADMIN_TOKEN (local mode)")
	}
	b.Mount(s.Routes(a))
	for _, m := range more { // other admin routes behind the same authentication (feedback, statistics)
		b.Mount(m(a))
	}
	return nil
}

// proactiveRate is the share of the tenant rate for messages the bot
// starts (outbox and campaigns); the rest is kept for replies.
func (c Config) proactiveRate() float64 { return c.TenantRate * (1 - c.ReplyReserve) }

// newOutbox builds the queue of the messages the bot starts (issue 15):
// its own connector client without retries (it retries through Redis).
func newOutbox(cfg Config, store *redisstore.Store, keys *seal.Keyring, m *bot.Metrics, log *slog.Logger) (*outbox.Service, error) {
	conn, err := connector.New(connector.Config{
		AppID: cfg.AppID, AppPassword: cfg.AppPassword, TenantID: cfg.TenantID, AppType: cfg.AppType,
		TokenURL: cfg.TokenURL, Observer: m, MaxRetries: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("outbox connector: %w", err)
	}
	return outbox.New(outbox.Config{Store: store, Keys: keys, Conn: conn, Rate: cfg.proactiveRate(), Log: log}), nil
}
