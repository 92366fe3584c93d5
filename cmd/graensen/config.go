package main

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
)

// Config is everything read from the environment. The Bot Framework
// settings use the names the Bot Framework SDKs use.
type Config struct {
	Env            string // "local" (default) or "production"
	AppID          string // MicrosoftAppId
	AppPassword    string // MicrosoftAppPassword
	TenantID       string // MicrosoftAppTenantId
	AppType        string // MicrosoftAppType: SingleTenant (default) or MultiTenant
	OpenIDMetadata string // BotOpenIdMetadata
	TokenURL       string // ToChannelFromBotLoginUrl
	RedisURL       string // REDIS_URL
	Port           string // PORT, default 3978
	HashKey        []byte // GRAENSEN_HASH_KEY (base64, ≥32 bytes)
	DataKeys       string // GRAENSEN_DATA_KEYS ("id:base64key,...", first is current)
	RedisPrefix    string // GRAENSEN_REDIS_PREFIX, default "g:"
	ConvTTL        time.Duration
	UserTTL        time.Duration
	// TurnCache is how many conversations (and as many users) a replica
	// keeps from its own turns to spare the next turn its read
	// (GRAENSEN_TURN_CACHE, default 10000; 0 off; redisstore.CacheTurns).
	TurnCache int
	// ReportRetention is how long a closed report is kept (GRAENSEN_REPORT_RETENTION, default 2160h = 90 days).
	ReportRetention time.Duration
	// Release is when the unit sees new reports and messages
	// (GRAENSEN_INBOX_RELEASE: clock times in Copenhagen time, default
	// 08:00,12:00,15:00, or an interval such as 20s for trials).
	Release  dialogs.Release
	LogLevel string   // LOG_LEVEL: debug, info (default), warn, error
	Handlers []string // GRAENSEN_HANDLERS: Entra object ids of the unit's case handlers (comma-separated)
	Admins   []string // GRAENSEN_ADMINS: Entra object ids of AMK's campaign admins (comma-separated)
	// Campaigns (issue 6): TenantRate is the tenant limit in requests per
	// second (GRAENSEN_TENANT_RATE, default 50); AdminToken a static admin
	// API token, local mode only (GRAENSEN_ADMIN_TOKEN); AdminAudience the
	// "aud" of Entra ID tokens for the admin API (GRAENSEN_ADMIN_AUDIENCE).
	TenantRate    float64
	AdminToken    string
	AdminAudience string
	// AdminOpenIDMetadata overrides the admin tenant's Entra ID metadata
	// document (GRAENSEN_ADMIN_OPENID_METADATA; default
	// https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration):
	// for a sovereign cloud's login host, or a benchmark's own issuer.
	AdminOpenIDMetadata string
	// CampaignRetention: a finished campaign's keys are purged this long after it finished (GRAENSEN_CAMPAIGN_RETENTION, default 2160h).
	CampaignRetention time.Duration
	// Issue 15: GraphURL is Microsoft Graph's base (GRAENSEN_GRAPH_URL,
	// default https://graph.microsoft.com); CampaignWorkers the senders per
	// replica (GRAENSEN_CAMPAIGN_WORKERS, default from rate × latency).
	GraphURL        string
	CampaignWorkers int
	// TeamsAppID is the app's id in the tenant's app catalog; set, the bot
	// installs itself for campaign recipients (GRAENSEN_TEAMS_APP_ID).
	TeamsAppID string
	// ServiceURL is the Bot Connector endpoint for a recipient who has the
	// app but no stored reference, whose 1:1 chat the bot finds through
	// Graph (GRAENSEN_SERVICE_URL, default Teams' public global endpoint
	// for proactive messages, https://smba.trafficmanager.net/teams/).
	ServiceURL string
	// AdminScopes limits admins to audiences (GRAENSEN_ADMIN_SCOPES);
	// ApprovalOver is the recipient count above which a campaign needs a
	// second admin (GRAENSEN_CAMPAIGN_APPROVAL_OVER, default 1000, 0 off).
	AdminScopes  map[string]campaign.Scope
	ApprovalOver int
	// ReplyReserve is the share of TenantRate kept for replies; messages
	// the bot starts use the rest (GRAENSEN_REPLY_RESERVE, default 0.1).
	ReplyReserve float64
	// DevKeys is set when local mode derived development keys.
	DevKeys bool
	// Listen is the address the webhook binds to (GRAENSEN_LISTEN): a host
	// or IP; default 127.0.0.1 in local mode, all interfaces in production.
	Listen string
	// MetricsAddr is where Prometheus metrics are served (GRAENSEN_METRICS_ADDR,
	// host:port); empty means no metrics listener. Never the public port.
	MetricsAddr string
	// ReportLimits bound what a reporter can cost (limits.go).
	ReportLimits reportLimits
	// Statistics (issue 16): StatsMin is the threshold below which a count
	// is shown as "< n" (GRAENSEN_STATS_MIN, default 5, at least 3);
	// StatsFlush how often use counts are written (GRAENSEN_STATS_FLUSH,
	// default 10m).
	StatsMin   int
	StatsFlush time.Duration
}

// Local reports whether the bot runs in local mode.
func (c Config) Local() bool { return c.Env == "local" }

// loadConfig reads and checks the configuration. Production refuses to
// start without credentials, Redis and keys; local mode fills in
// development defaults (and the caller warns about each).
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Env:            strings.ToLower(strings.TrimSpace(getenv("GRAENSEN_ENV"))),
		AppID:          strings.TrimSpace(getenv("MicrosoftAppId")),
		AppPassword:    getenv("MicrosoftAppPassword"),
		TenantID:       strings.TrimSpace(getenv("MicrosoftAppTenantId")),
		AppType:        strings.TrimSpace(getenv("MicrosoftAppType")),
		OpenIDMetadata: strings.TrimSpace(getenv("BotOpenIdMetadata")),
		TokenURL:       strings.TrimSpace(getenv("ToChannelFromBotLoginUrl")),
		RedisURL:       strings.TrimSpace(getenv("REDIS_URL")),
		Port:           strings.TrimSpace(getenv("PORT")),
		DataKeys:       strings.TrimSpace(getenv("GRAENSEN_DATA_KEYS")),
		RedisPrefix:    getenv("GRAENSEN_REDIS_PREFIX"),
		LogLevel:       strings.ToLower(getenv("LOG_LEVEL")),
		Listen:         strings.TrimSpace(getenv("GRAENSEN_LISTEN")),
		MetricsAddr:    strings.TrimSpace(getenv("GRAENSEN_METRICS_ADDR")),
	}
	if c.Env == "" {
		c.Env = "local"
	}
	c.Handlers = list(getenv("GRAENSEN_HANDLERS"))
	c.Admins = list(getenv("GRAENSEN_ADMINS"))
	if c.Env != "local" && c.Env != "production" {
		return c, fmt.Errorf("GRAENSEN_ENV must be local or production, not %q", c.Env)
	}
	if c.Port == "" {
		c.Port = "3978"
	}
	if _, err := strconv.Atoi(c.Port); err != nil {
		return c, fmt.Errorf("PORT must be a number: %q", c.Port)
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "g:"
	}
	if err := c.checkListen(); err != nil {
		return c, err
	}
	var err error
	if c.ConvTTL, err = duration(getenv, "GRAENSEN_CONV_TTL", 7*24*time.Hour); err != nil {
		return c, err
	}
	if c.TurnCache, err = whole(getenv, "GRAENSEN_TURN_CACHE", 0, 1_000_000, 10000, "conversations (0: off)"); err != nil {
		return c, err
	}
	if c.UserTTL, err = duration(getenv, "GRAENSEN_USER_TTL", 400*24*time.Hour); err != nil {
		return c, err
	}
	if c.ReportRetention, err = duration(getenv, "GRAENSEN_REPORT_RETENTION", 2160*time.Hour); err != nil {
		return c, err
	}
	if c.Release, err = dialogs.ParseRelease(getenv("GRAENSEN_INBOX_RELEASE")); err != nil {
		return c, fmt.Errorf("GRAENSEN_INBOX_RELEASE: %w", err)
	}
	if c.StatsMin, err = statistics.CheckMin(strings.TrimSpace(getenv("GRAENSEN_STATS_MIN"))); err != nil {
		return c, err
	}
	if c.StatsFlush, err = duration(getenv, "GRAENSEN_STATS_FLUSH", 10*time.Minute); err != nil {
		return c, err
	}
	if err := loadCampaignConfig(&c, getenv); err != nil {
		return c, err
	}
	if err := loadReportLimits(&c, getenv); err != nil {
		return c, err
	}
	if hk := strings.TrimSpace(getenv("GRAENSEN_HASH_KEY")); hk != "" {
		if c.HashKey, err = base64.StdEncoding.DecodeString(hk); err != nil || len(c.HashKey) < 32 {
			return c, errors.New("GRAENSEN_HASH_KEY must be base64 of at least 32 random bytes")
		}
	}
	if c.Env == "production" {
		var missing []string
		for name, v := range map[string]string{"MicrosoftAppId": c.AppID, "MicrosoftAppPassword": c.AppPassword, "REDIS_URL": c.RedisURL, "GRAENSEN_DATA_KEYS": c.DataKeys} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if c.HashKey == nil {
			missing = append(missing, "GRAENSEN_HASH_KEY")
		}
		if c.TenantID == "" && !strings.EqualFold(c.AppType, "MultiTenant") && c.TokenURL == "" {
			missing = append(missing, "MicrosoftAppTenantId")
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			return c, fmt.Errorf("production mode needs %s", strings.Join(missing, ", "))
		}
	}
	if err := c.checkDevSecrets(); err != nil {
		return c, err
	}
	if c.HashKey == nil || c.DataKeys == "" {
		// Local mode only: fixed development keys, so a local Redis stays
		// readable across restarts. They are not secret.
		c.DevKeys = true
		if c.HashKey == nil {
			c.HashKey = devHashKey()
		}
		if c.DataKeys == "" {
			c.DataKeys = "dev:" + base64.StdEncoding.EncodeToString(devDataKey())
		}
	}
	return c, nil
}

// The published development keys: anyone with the source has them.
func devHashKey() []byte {
	h := sha256.Sum256([]byte("graensen development hash key"))
	return h[:]
}

func devDataKey() []byte {
	k := sha256.Sum256([]byte("graensen development data key"))
	return k[:]
}

func duration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration like 168h: %q", name, v)
	}
	return d, nil
}

// whole reads a whole number from lo to hi, def when unset; what names
// its unit for the error.
func whole(getenv func(string) string, name string, lo, hi, def int, what string) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number of %s from %d to %d: %q", name, what, lo, hi, v)
	}
	return n, nil
}

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
