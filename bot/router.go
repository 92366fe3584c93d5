package bot

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kk/graensen/dialogs"
)

// MaxBody is the largest accepted request body (256 KiB).
const MaxBody = 256 << 10

// maxDepth bounds JSON nesting: deeper bodies are hostile, not activities.
const maxDepth = 64

// channels the bot answers on; anything else is refused.
var productionChannels = map[string]bool{"msteams": true}
var localChannels = map[string]bool{"msteams": true, "emulator": true, "webchat": true, "test": true}

// NewRouter builds the HTTP handler: the Bot Framework webhook and the
// health endpoints. Metrics are not on it: they are served on their own
// address (MetricsHandler, GRAENSEN_METRICS_ADDR), never on the public port.
func (b *Bot) NewRouter() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(b.requestID, b.recoverer, b.count)
	r.POST("/api/messages", b.handleMessages)
	r.GET("/healthz", b.handleHealth)
	r.GET("/readyz", b.handleReady)
	for _, m := range b.mounts {
		m(r)
	}
	r.NoRoute(func(c *gin.Context) { c.JSON(http.StatusNotFound, gin.H{"error": "not found"}) })
	return r
}

// MetricsHandler serves the Prometheus metrics (GET /metrics), for a
// listener of its own.
func (b *Bot) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.Registry, promhttp.HandlerOpts{}))
	return mux
}

type ctxKey struct{}

// requestID gives every request a random id for its log lines (never a user
// or conversation id).
func (b *Bot) requestID(c *gin.Context) {
	id := hex.EncodeToString(b.cfg.Rand(8))
	c.Header("X-Request-Id", id)
	c.Set("request_id", id)
	c.Next()
}

// logger is the request's logger, made when a line is logged (most
// requests log nothing).
func (b *Bot) logger(c *gin.Context) *slog.Logger {
	if id, ok := c.Get("request_id"); ok {
		return b.log.With("request_id", id)
	}
	return b.log
}

// recoverer turns a panic into a 500 and one log line, never a crash.
func (b *Bot) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			b.logger(c).Error("panic in handler", "panic", v)
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		}
	}()
	c.Next()
}

func (b *Bot) count(c *gin.Context) {
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	b.metrics.HTTPRequests.WithLabelValues(route, strconv.Itoa(c.Writer.Status())).Inc()
}

func (b *Bot) handleHealth(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "up", "version": b.cfg.Version})
}

func (b *Bot) handleReady(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := b.cfg.Store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "redis": "down"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// handleMessages is the Bot Framework webhook: POST /api/messages.
func (b *Bot) handleMessages(c *gin.Context) {
	start := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "body too large"})
			return
		}
		c.JSON(http.StatusBadRequest, gin.H{"error": "unreadable body"})
		return
	}
	var a schema.Activity
	if err := decodeActivity(body, &a); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "malformed activity"})
		return
	}
	// Authenticate before anything has a side effect.
	if b.cfg.Verifier != nil {
		if _, err := b.cfg.Verifier.Verify(c.Request.Context(), c.GetHeader("Authorization"), a.ServiceURL, a.ChannelID); err != nil {
			b.logger(c).Warn("request refused", "reason", err.Error())
			c.JSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
	}
	if !b.tenantAllowed(&a) {
		b.logger(c).Warn("request refused", "reason", "another tenant")
		c.JSON(http.StatusForbidden, gin.H{"error": "tenant not allowed"})
		return
	}
	if msg := b.checkActivity(&a); msg != "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": msg})
		return
	}
	kind, ok := turnKind(&a)
	if !ok {
		b.metrics.Turns.WithLabelValues(metricType(a.Type), "ignored").Inc()
		c.Status(http.StatusOK)
		return
	}
	in := dialogs.Input{
		Kind: kind, Scope: scopeOf(&a), Locale: a.Locale, ReplyToID: a.ReplyToID,
		ActivityID: a.ID, AadID: a.From.AadObjectID, Now: b.now(), Rand: b.cfg.Rand,
	}
	switch kind {
	case dialogs.KindMessage:
		in.Text = cleanText(a.Text)
		in.Values = submitValues(a.Value)
		in.NoDialog = dialogFallback(a.Value)
	case dialogs.KindInvoke:
		if a.Name == invokeTaskFetch || a.Name == invokeTaskSubmit {
			vals, err := dialogValues(a.Value)
			if err != nil {
				c.JSON(http.StatusBadRequest, gin.H{"error": "malformed dialog invoke"})
				return
			}
			in.Values, in.Dialog = vals, true
			break
		}
		if a.Name != "adaptiveCard/action" {
			b.metrics.Turns.WithLabelValues("invoke", "ignored").Inc()
			c.JSON(http.StatusNotImplemented, gin.H{"error": "invoke not supported"})
			return
		}
		vals, err := invokeValues(a.Value)
		if err != nil {
			c.JSON(http.StatusBadRequest, InvokeResponse{StatusCode: 400, Type: "application/vnd.microsoft.error", Value: gin.H{"code": "BadRequest", "message": "malformed action"}})
			return
		}
		in.Values = vals
	}

	// A turn must finish well within Teams' 15 s; Redis calls are bounded
	// far below this, so the limit only guards against the unforeseen.
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	res, err := b.runTurn(ctx, &a, kind, in)
	b.metrics.Turns.WithLabelValues(metricType(a.Type), res.outcome).Inc()
	b.metrics.TurnSeconds.WithLabelValues(metricType(a.Type)).Observe(time.Since(start).Seconds())
	if err != nil {
		b.logger(c).Error("turn failed", "type", metricType(a.Type), "err", err)
		if kind == dialogs.KindInvoke && in.Dialog {
			c.JSON(http.StatusOK, TaskResponse{Task: TaskAnswer{Type: "message", Value: b.cfg.Renderer.Text(dialogs.LangOf(a.Locale), dialogs.M("core.error.unavailable"))}})
			return
		}
		if kind == dialogs.KindInvoke {
			c.JSON(http.StatusOK, InvokeResponse{StatusCode: 200, Type: "application/vnd.microsoft.activity.message",
				Value: b.cfg.Renderer.Text(dialogs.LangOf(a.Locale), dialogs.M("core.error.unavailable"))})
			return
		}
		if kind == dialogs.KindMessage {
			b.apologize(&a)
		}
		// The user has been told; a redelivery would only repeat the apology.
		c.Status(http.StatusOK)
		return
	}
	if res.invoke != nil {
		c.JSON(http.StatusOK, res.invoke)
		return
	}
	c.Status(http.StatusOK)
}

// checkActivity refuses activities the bot must not act on: another
// channel, another bot, or missing the fields a reply needs.
func (b *Bot) checkActivity(a *schema.Activity) string {
	allowed := productionChannels
	if b.cfg.Local {
		allowed = localChannels
	}
	if !allowed[a.ChannelID] {
		return "channel not supported"
	}
	if b.cfg.AppID != "" && a.Recipient.ID != "" && a.Recipient.ID != "28:"+b.cfg.AppID && a.Recipient.ID != b.cfg.AppID {
		return "activity addressed to another bot"
	}
	if a.Type == "" || a.ServiceURL == "" || a.Conversation.ID == "" {
		return "activity lacks type, serviceUrl or conversation"
	}
	return ""
}

// tenantAllowed refuses, whenever requests are authenticated (production,
// or local mode with an app id), an activity of another tenant than the
// bot's own (MicrosoftAppTenantId): both the tenant in
// channelData and the conversation's tenantId must be ours, and one of
// them must be given (Teams sends both). A multi-tenant configuration
// without a tenant id checks nothing.
func (b *Bot) tenantAllowed(a *schema.Activity) bool {
	if b.cfg.Verifier == nil || b.cfg.TenantID == "" {
		return true
	}
	var fromData string
	if t, ok := a.ChannelData["tenant"].(map[string]any); ok {
		fromData, _ = t["id"].(string)
	}
	conv := a.Conversation.TenantID
	if fromData == "" && conv == "" {
		return false
	}
	return (fromData == "" || fromData == b.cfg.TenantID) && (conv == "" || conv == b.cfg.TenantID)
}

// decodeActivity parses a body, refusing deep nesting before decoding.
func decodeActivity(body []byte, a *schema.Activity) error {
	if err := checkDepth(body); err != nil {
		return err
	}
	// Unmarshal refuses trailing data after the activity, as a Decoder
	// checked with More did, without copying the body into a buffer first.
	return json.Unmarshal(body, a)
}

func checkDepth(body []byte) error {
	depth := 0
	inStr, esc := false, false
	for _, ch := range body {
		switch {
		case esc:
			esc = false
		case inStr && ch == '\\':
			esc = true
		case ch == '"':
			inStr = !inStr
		case inStr:
		case ch == '{' || ch == '[':
			depth++
			if depth > maxDepth {
				return errors.New("json nested too deeply")
			}
		case ch == '}' || ch == ']':
			depth--
		}
	}
	return nil
}

func metricType(t schema.ActivityTypes) string {
	switch t {
	case schema.Message, schema.Invoke, schema.InstallationUpdate, schema.ConversationUpdate:
		return string(t)
	}
	return "other"
}
