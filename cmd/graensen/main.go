// Command graensen runs the Grænsen Teams bot.
//
//	graensen [serve]      run the bot (default)
//	graensen chat         talk to the bot in the terminal, no Teams needed
//	graensen manifest     write the Teams app package (zip)
//	graensen version      print the version
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Copenhagen for reminders in containers without zoneinfo

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot"
	"github.com/kk/graensen/bot/auth"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/feedback"
	"github.com/kk/graensen/bot/reminder"
	"github.com/kk/graensen/bot/report"
	"github.com/kk/graensen/bot/schedule"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/bot/statistics"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/content"
	"github.com/kk/graensen/dialogs/match"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/locales"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "graensen:", err)
		os.Exit(1)
	}
}

// defaultGCPercent is the garbage collector's target once the bot is
// wired, when GOGC is not set: the heap may grow to five times what is
// live (about 16 MB, so about 80 MB) before a collection, where Go's
// default of 100 collects at twice. A turn allocates about 30 KB; at
// thousands of turns a second the default collected several times a
// second, and marking and sweeping took 5-6 % of the CPU (issue 14, README
// "The real binary beside an echo bot"). GOGC (and GOMEMLIMIT, for a
// container's limit) override it as usual (docs/deploy.md).
const defaultGCPercent = 400

// gcDefault is called once the bot is wired: unless GOGC is set, it
// collects what starting left behind (training the matcher allocates ten
// times what it keeps), returns that memory to the system, and sets
// defaultGCPercent for serving. restore puts the previous target back
// (serve returns in tests; the process goes on); with GOGC set nothing
// changes and restore does nothing.
func gcDefault(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	debug.FreeOSMemory()
	prev := debug.SetGCPercent(defaultGCPercent)
	return func() { debug.SetGCPercent(prev) }
}

// run is main without the process: tests call it with their own
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stderr, nil)
	case "chat":
		return chat(ctx, args, stdin, stdout)
	case "matcheval":
		return matchEval(args, stdout)
	case "manifest":
		return manifestCmd(args, stdout)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "graensen", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprintln(stdout, "usage: graensen [serve|chat|matcheval|manifest|healthcheck|version]")
		return nil
	}
	return fmt.Errorf("unknown command %q (serve, chat, manifest, version)", cmd)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// app is the wired bot with what must be closed after it.
type app struct {
	bot   *bot.Bot
	rdb   *redis.Client
	store *redisstore.Store
	// sched runs due items (reminders, deadlines, campaigns); features add
	// their handlers by kind in wire.
	sched *schedule.Runner
	// workers are background loops serve runs until shutdown (the report inbox).
	workers []func(context.Context)
	closers []func()
}

func (a *app) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// newEngine builds the dialog engine over the content library.
func newEngine(r *cards.Renderer, cfg Config, lib *content.Library) *dialogs.Engine {
	m := newMatcher(r, lib)
	e := dialogs.New(dialogs.Config{Content: lib, Handlers: cfg.Handlers, Admins: cfg.Admins, Release: cfg.Release,
		Matcher: func(lang, q string) (string, []string) {
			d := m.Decide(lang, q)
			return d.Best, d.Choices
		}})
	if err := e.CheckContent(); err != nil {
		panic("content: " + err.Error()) // the content is embedded: a programmer error
	}
	return e
}

// newMatcher indexes the library with its localized titles and texts.
func newMatcher(r *cards.Renderer, lib *content.Library) *match.Matcher {
	return match.FromLibrary(lib, func(lang, id string) string { return r.Text(dialogs.Lang(lang), dialogs.M(id)) })
}

// wire builds every part from the configuration.
func wire(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	a := &app{}
	var opt *redis.Options
	if cfg.RedisURL != "" {
		var err error
		if opt, err = redis.ParseURL(cfg.RedisURL); err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
	} else {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		a.closers = append(a.closers, m.Close)
		log.Warn("no REDIS_URL: using an embedded in-memory Redis; nothing persists across restarts")
		opt = &redis.Options{Addr: m.Addr()}
	}
	// Short timeouts: a turn must answer within Teams' 15 s even when
	// Redis is down, and readiness must notice quickly.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.MaxRetries = time.Second, time.Second, time.Second, 1
	a.rdb = redis.NewClient(opt)
	a.closers = append(a.closers, func() { _ = a.rdb.Close() })
	if cfg.Env == "production" {
		warnPersistence(ctx, a.rdb, log)
	}

	hasher, err := seal.NewHasher(cfg.HashKey)
	if err != nil {
		return nil, err
	}
	keys, err := seal.ParseKeys(cfg.DataKeys)
	if err != nil {
		return nil, err
	}
	if cfg.DevKeys {
		log.Warn("using development keys for hashing and sealing: set GRAENSEN_HASH_KEY and GRAENSEN_DATA_KEYS outside a laptop")
	}
	metrics := bot.NewMetrics()
	conn, err := connector.New(connector.Config{
		AppID: cfg.AppID, AppPassword: cfg.AppPassword, TenantID: cfg.TenantID, AppType: cfg.AppType,
		TokenURL: cfg.TokenURL, Observer: metrics,
	})
	if err != nil {
		return nil, fmt.Errorf("connector: %w", err)
	}
	// One cache of signing keys for inbound Bot Framework tokens and the
	// admin API's Entra ID tokens (one key set per issuer).
	signingKeys := auth.NewKeys(auth.KeysConfig{})
	var verifier bot.Verifier
	if cfg.AppID != "" {
		v, err := auth.NewVerifier(auth.Config{AppID: cfg.AppID, OpenIDMetadataURL: cfg.OpenIDMetadata, Keys: signingKeys})
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		verifier = v
	} else {
		log.Warn("!!! AUTHENTICATION IS OFF: local mode without MicrosoftAppId. Anyone who can reach this port can talk to the bot. Never run like this in production. !!!")
	}
	renderer := cards.New(locales.MustBundle())
	lib := content.MustLoad()
	a.store = redisstore.New(a.rdb, cfg.RedisPrefix)
	if err := a.store.CacheTurns(cfg.TurnCache); err != nil {
		return nil, fmt.Errorf("turn cache: %w", err)
	}
	a.sched = &schedule.Runner{Store: a.store, Log: log, Handlers: map[string]schedule.Handler{}}
	ob, err := newOutbox(cfg, a.store, keys, metrics, log) // welcomes share the tenant budget (issue 15)
	if err != nil {
		return nil, err
	}
	a.workers = append(a.workers, ob.Run)
	// The sender of the messages the bot starts comes first: features get
	// it (through interfaces of their own, checked in checks.go) when they
	// are built, and the bot is built last with their effects.
	send := bot.NewSender(bot.SenderConfig{Store: a.store, Connector: conn, Renderer: renderer, Hasher: hasher, Keys: keys, Outbox: ob, Logger: log})
	// Features are built here and register their scheduled kinds in
	// a.sched.Handlers; their effects are routed in effects.go.
	rep := report.New(a.store, keys, hasher, log) // anonymous reporting (issue 5)
	rep.Send = send
	rep.Retention = cfg.ReportRetention
	rep.Release = cfg.Release
	cfg.ReportLimits.apply(rep)
	st := statistics.New(a.store, cfg.StatsMin, rep.Overdue, log) // statistics (issue 16)
	st.Usage.Interval = cfg.StatsFlush
	a.workers = append(a.workers, st.Usage.Run)
	camp, err := newCampaigns(cfg, a.store, keys, hasher, renderer, metrics, log, st.Usage.Add) // AMK campaigns (issue 6)
	if err != nil {
		return nil, err
	}
	fb := &feedback.Service{Store: a.store, Keys: keys, Now: time.Now, Log: log} // AMK's feedback loop (issue 13)
	a.sched.Handlers[campaign.KindStart] = camp.HandleStart
	a.sched.Handlers[campaign.KindPurge] = camp.HandlePurge
	a.workers = append(a.workers, camp.Run)
	for kind, h := range rep.Handlers() {
		a.sched.Handlers[kind] = h
	}
	a.workers = append(a.workers, rep.RunInbox)
	a.sched.Handlers[reminder.Kind] = reminder.Handler(send.Notices(), a.store, lib) // through the outbox (issue 15)
	b, err := bot.New(bot.Config{
		AppID: cfg.AppID, Engine: newEngine(renderer, cfg, lib), Store: a.store,
		Connector: conn, Verifier: verifier, Local: cfg.Local(), TenantID: cfg.TenantID, Renderer: renderer,
		Hasher: hasher, Keys: keys, Logger: log, Metrics: metrics, Version: version,
		ConvTTL: cfg.ConvTTL, UserTTL: cfg.UserTTL, Routes: effectRoutes(rep, reminder.Effect(a.store), st, camp, fb), Outbox: ob, Sender: send, CountUse: st.Usage.Add,
		CommitHooks: []effect.CommitHook{camp.CommitOps}, // campaigns keep team channels and sealed Entra ids
	})
	if err != nil {
		return nil, err
	}
	a.bot = b
	if err := mountCampaignAPI(cfg, b, signingKeys, camp, log, fb.Routes, st.Routes); err != nil {
		return nil, err
	}
	return a, nil
}

// warnPersistence warns when Redis would lose reports and reminders on a
// restart (no AOF).
func warnPersistence(ctx context.Context, rdb *redis.Client, log *slog.Logger) {
	info, err := rdb.Info(ctx, "persistence").Result()
	if err != nil {
		log.Warn("could not read Redis persistence settings", "err", err)
		return
	}
	if strings.Contains(info, "aof_enabled:0") {
		log.Warn("Redis has no append-only file (AOF): reports, receipts and reminders can be lost on a Redis restart; enable appendonly yes")
	}
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully:
// stop accepting, finish in-flight requests, deliver pending replies.
// If ln is nil it listens on PORT.
func serve(ctx context.Context, getenv func(string) string, logw io.Writer, ln net.Listener) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(logw, cfg.LogLevel)
	a, err := wire(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	defer gcDefault(getenv)()
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.listenAddr()); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	if cfg.AppID == "" && !cfg.loopback() {
		log.Warn("!!! authentication is off and the webhook listens beyond this machine (GRAENSEN_LISTEN): anyone on the network can talk to the bot !!!")
	}
	stopMetrics, metricsAddr, err := serveMetrics(cfg, a.bot, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	stopPprof, err := servePprof(strings.TrimSpace(getenv("GRAENSEN_PPROF_ADDR")), log)
	if err != nil {
		return err
	}
	defer stopPprof()
	srv := &http.Server{
		Handler:           a.bot.NewRouter(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	schedCtx, stopSched := context.WithCancel(context.Background())
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); a.sched.Run(schedCtx) }()
	var workers sync.WaitGroup // stopped with the scheduler (the defer below runs first)
	for _, w := range a.workers {
		workers.Go(func() { w(schedCtx) })
	}
	defer workers.Wait()
	defer func() { stopSched(); <-schedDone }()
	log.Info("graensen listening", "addr", ln.Addr().String(), "metrics_addr", metricsAddr, "env", cfg.Env, "version", version)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "err", err)
	}
	if err := a.bot.Drain(sctx); err != nil {
		log.Error("pending replies not delivered before shutdown deadline", "err", err)
	}
	return nil
}

// serveMetrics serves /metrics on GRAENSEN_METRICS_ADDR, apart from the
// public webhook; without it there is no metrics listener. It returns the
// address it listens on ("" when off) and a function that stops it.
func serveMetrics(cfg Config, b *bot.Bot, log *slog.Logger) (func(), string, error) {
	if cfg.MetricsAddr == "" {
		log.Info("metrics off: set GRAENSEN_METRICS_ADDR (e.g. 127.0.0.1:9464) to serve /metrics")
		return func() {}, "", nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, "", fmt.Errorf("metrics listen: %w", err)
	}
	srv := &http.Server{Handler: b.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 20 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, ln.Addr().String(), nil
}

// healthcheck asks the running bot's /healthz (for container health checks
// in images without curl).
func healthcheck(ctx context.Context, getenv func(string) string) error {
	port := getenv("PORT")
	if port == "" {
		port = "3978"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	host := strings.TrimSpace(getenv("GRAENSEN_LISTEN"))
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
