// Package bot speaks the Bot Framework protocol for Grænsen: the Gin
// webhook, inbound authentication, the turn pipeline (dedupe, load, step,
// save, send), card rendering and proactive sending.
//
// Where a message is handled: router.go receives it (handleMessages),
// turn.go runs the turn, and the dialogs package decides what to answer.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
)

// Verifier authenticates inbound requests (bot/auth.Verifier).
type Verifier interface {
	Verify(ctx context.Context, authorization, serviceURL, channelID string) (*auth.Claims, error)
}

// Config holds a Bot's dependencies. Everything is injected; the package
// has no globals, so tests build as many bots as they like.
type Config struct {
	AppID     string
	Engine    *dialogs.Engine
	Store     *redisstore.Store
	Connector *connector.Client
	// Verifier authenticates requests. Nil turns authentication off, which
	// New allows only with Local set and no AppID.
	Verifier Verifier
	Local    bool
	// TenantID is MicrosoftAppTenantId: with a Verifier, activities from
	// any other tenant are refused (403) before anything is processed.
	TenantID string
	Renderer *cards.Renderer
	Hasher   *seal.Hasher
	Keys     *seal.Keyring
	Logger   *slog.Logger
	Metrics  *Metrics
	Version  string
	// ConvTTL is how long an idle conversation's dialog state is kept;
	// UserTTL how long an idle user's profile is kept.
	ConvTTL, UserTTL time.Duration
	// SendTimeout bounds carrying out one turn's outputs, retries included.
	SendTimeout time.Duration
	Now         func() time.Time
	Rand        func(n int) []byte
	// Routes is the effect table: each domain output type of the dialogs
	// to the one handler that carries it out (cmd/graensen/effects.go).
	// New fails unless every type in dialogs.DomainOutputs has exactly one
	// route. (Tests that build the bot with a part of the features route
	// the rest to handlers that take nothing: bottest.Routes.)
	Routes []effect.Route
	// CommitHooks add writes to every turn's commit (campaigns keep team
	// channels and sealed Entra ids: bot/campaign.Service.CommitOps).
	CommitHooks []effect.CommitHook
	// Outbox, when set, queues the welcome after an install through the
	// tenant-wide priority queue and takes each reply's budget (issue 15;
	// bot/outbox).
	Outbox Outbox
	// Sender sends the messages the bot starts (built from this Config
	// when nil). Pass the one the features were given (NewSender), so the
	// bot and its features share it.
	Sender *Sender
	// CountUse receives a turn's use counters (statistics) once the turn
	// has been committed; nil drops them.
	CountUse func(now time.Time, c dialogs.CountUse)
}

// Bot is the running bot. Create it with New.
type Bot struct {
	// Sender: the Bot sends proactively like its features do.
	*Sender
	cfg     Config
	effects effect.Table // from cfg.Routes
	log     *slog.Logger
	metrics *Metrics
	// sends tracks outputs being carried out after the HTTP answer, so a
	// graceful shutdown can drain them.
	sends sync.WaitGroup
	// mounts add route groups to the router (see Mount).
	mounts []func(r *gin.Engine)
	// idle hands deliveries to goroutines waiting for one (spawn.go).
	idle chan func()
}

// ErrAuthRequired is returned by New when authentication would be off
// outside local mode.
var ErrAuthRequired = errors.New("inbound authentication is required unless in local mode without an app id")

// New checks the configuration and returns a Bot.
func New(cfg Config) (*Bot, error) {
	if cfg.Verifier == nil && (!cfg.Local || cfg.AppID != "") {
		return nil, ErrAuthRequired
	}
	if cfg.Engine == nil || cfg.Store == nil || cfg.Connector == nil || cfg.Renderer == nil || cfg.Hasher == nil || cfg.Keys == nil {
		return nil, errors.New("bot: engine, store, connector, renderer, hasher and keys are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.ConvTTL <= 0 {
		cfg.ConvTTL = 7 * 24 * time.Hour
	}
	if cfg.UserTTL <= 0 {
		cfg.UserTTL = 400 * 24 * time.Hour
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = randid.Bytes
	}
	if cfg.Sender == nil {
		cfg.Sender = NewSender(SenderConfig{Store: cfg.Store, Connector: cfg.Connector, Renderer: cfg.Renderer,
			Hasher: cfg.Hasher, Keys: cfg.Keys, Outbox: cfg.Outbox, Logger: cfg.Logger})
	}
	b := &Bot{Sender: cfg.Sender, cfg: cfg, log: cfg.Logger, metrics: cfg.Metrics, idle: make(chan func())}
	t, err := effect.NewTable(dialogs.DomainOutputs(), cfg.Routes...)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	b.effects = t
	cfg.Renderer.Missing = func(id string) {
		b.log.Error("message missing in both languages", "msg_id", id)
	}
	return b, nil
}

// Drain waits until every turn's outputs have been carried out, or ctx ends.
func (b *Bot) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { b.sends.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Metrics is the bot's Prometheus metrics.
func (b *Bot) Metrics() *Metrics { return b.metrics }
