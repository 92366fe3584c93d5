package bot

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/bot/profile"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// maxAttempts bounds reruns of a turn that lost an optimistic-concurrency
// race; ten messages at once in one conversation settle well within it.
const maxAttempts = 16

// errStore marks a turn that failed because the store is unreachable.
var errStore = errors.New("state store unavailable")

// turnResult is what the HTTP layer needs from a turn.
type turnResult struct {
	// invoke is the body of an invoke's HTTP answer (nil for other turns,
	// and for a dialog closed without a word): an InvokeResponse, or a
	// TaskResponse for a dialog (dialog.go).
	invoke any
	// outcome is the metrics label.
	outcome string
}

// InvokeResponse is the body of the HTTP answer to an invoke activity.
type InvokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value"`
}

// afterOutput is a delivery step that runs a prepared After function.
type afterOutput struct {
	fn func(ctx context.Context) error
}

func (afterOutput) IsOutput() {}

// runTurn is one turn end to end: load the conversation and the profile,
// step the engine, save with optimistic concurrency (rerunning on a
// conflict), and only then carry out the outputs.
func (b *Bot) runTurn(ctx context.Context, a *schema.Activity, kind dialogs.Kind, in dialogs.Input) (turnResult, error) {
	conv := b.cfg.Hasher.Sum("conv", a.ChannelID+"|"+a.Conversation.ID)
	user, err := b.userKey(ctx, a)
	if err != nil {
		return turnResult{outcome: "store_error"}, fmt.Errorf("%w: %w", errStore, err)
	}
	personal := scopeOf(a) == dialogs.ScopePersonal

	var res dialogs.Result
	token := hex.EncodeToString(b.cfg.Rand(16))
	for attempt := 0; ; attempt++ {
		if attempt == maxAttempts {
			return turnResult{outcome: "conflict"}, fmt.Errorf("turn: %d conflicting attempts", attempt)
		}
		var data redisstore.TurnData
		if attempt == 0 {
			data, err = b.cfg.Store.LoadTurn(ctx, conv, user)
		} else {
			data, err = b.cfg.Store.ReloadTurn(ctx, conv, user) // after a conflict: what Redis holds
		}
		if err != nil {
			return turnResult{outcome: "store_error"}, fmt.Errorf("%w: %w", errStore, err)
		}
		st := b.openState(conv, data.Conv)
		prof, legacy, perr := profile.Open(b.cfg.Keys, user, data.Profile)
		if perr != nil {
			b.log.Warn("starting the user afresh", "err", perr) // no id: the error names none
		}
		res = b.cfg.Engine.Step(st, prof, in)
		res.ProfileChanged = res.ProfileChanged || legacy // rewrite an old unsealed profile sealed
		if res.Duplicate {
			return turnResult{outcome: "duplicate"}, nil
		}
		commit, err := b.commitFor(conv, user, data, res, a, personal)
		if err != nil {
			return turnResult{outcome: "error"}, err
		}
		tc := effect.TurnContext{Activity: a, ConvKey: conv, UserKey: user, Lang: res.Lang, Now: in.Now, Token: token}
		var writes []func(context.Context) error
		if res.Outputs, writes, err = b.prepare(ctx, tc, res.Outputs, &commit); err != nil {
			return turnResult{outcome: "error"}, err
		}
		for _, w := range writes {
			if err := w(ctx); err != nil {
				return turnResult{outcome: "store_error"}, fmt.Errorf("%w: %w", errStore, err)
			}
		}
		commit.Now = in.Now
		if res.Outputs, err = b.queueStarted(kind, a, res.Lang, res.Outputs, &commit, in.Now); err != nil {
			return turnResult{outcome: "error"}, err
		}
		err = b.cfg.Store.CommitTurn(ctx, commit)
		if errors.Is(err, redisstore.ErrConflict) {
			b.metrics.Conflicts.Inc()
			continue
		}
		if err != nil {
			return turnResult{outcome: "store_error"}, fmt.Errorf("%w: %w", errStore, err)
		}
		break
	}

	if b.cfg.CountUse != nil { // statistics: after the commit, never in it
		for _, c := range res.Counts {
			b.cfg.CountUse(in.Now, c)
		}
	}
	out := res.Outputs
	var tr turnResult
	tr.outcome = "ok"
	switch {
	case kind == dialogs.KindInvoke && in.Dialog:
		tr.invoke, out = b.dialogAnswer(res.Lang, out)
	case kind == dialogs.KindInvoke:
		tr.invoke, out = b.invokeAnswer(res.Lang, out)
	}
	b.deliver(a, res.Lang, out)
	return tr, nil
}

// prepare runs the effects of the domain outputs: their writes join the
// commit, their outputs replace them in the delivery list.
func (b *Bot) prepare(ctx context.Context, tc effect.TurnContext, outs []dialogs.Output, c *redisstore.TurnCommit) ([]dialogs.Output, []func(context.Context) error, error) {
	var final []dialogs.Output
	var writes []func(context.Context) error
	for _, o := range outs {
		switch o.(type) {
		case dialogs.Reply, dialogs.Update, dialogs.Forget, dialogs.ShowDialog, dialogs.CloseDialog:
			final = append(final, o)
			continue
		}
		p, handled, err := b.effect(ctx, tc, o)
		if err != nil {
			return nil, nil, fmt.Errorf("effect %T: %w", o, err)
		}
		if !handled {
			return nil, nil, fmt.Errorf("no effect handles output %T", o)
		}
		c.Ops = append(c.Ops, p.Ops...)
		if p.Write != nil {
			writes = append(writes, p.Write)
		}
		final = append(final, p.Outputs...)
		if p.After != nil {
			final = append(final, afterOutput{p.After})
		}
	}
	return final, writes, nil
}

// effect runs the one handler of o's type in the effect table
// (Config.Routes).
func (b *Bot) effect(ctx context.Context, tc effect.TurnContext, o dialogs.Output) (effect.Prepared, bool, error) {
	h := b.effects[reflect.TypeOf(o)]
	if h == nil {
		return effect.Prepared{}, false, nil
	}
	return h(ctx, tc, o)
}

// commitFor builds the write of one turn: the sealed dialog state, the
// profile if it changed, and the sealed conversation reference if it moved.
func (b *Bot) commitFor(conv, user string, data redisstore.TurnData, res dialogs.Result, a *schema.Activity, personal bool) (c redisstore.TurnCommit, err error) {
	st, err := json.Marshal(res.State)
	if err != nil {
		return redisstore.TurnCommit{}, fmt.Errorf("encode state: %w", err)
	}
	c = redisstore.TurnCommit{
		Conv: conv, User: user, ConvVer: data.ConvVer,
		ConvData: b.cfg.Keys.Seal(st, []byte("conv:"+conv)), ConvTTL: b.cfg.ConvTTL,
		UserVer: data.UserVer, UserTTL: b.cfg.UserTTL,
	}
	refMoved := false
	defer func() { c.Ops = append(c.Ops, b.hookOps(a, user, res, refMoved)...) }()
	for _, o := range res.Outputs {
		if _, ok := o.(dialogs.Forget); ok {
			c.Forget = true
			return c, nil
		}
	}
	if res.ProfileChanged {
		p, err := profile.Seal(b.cfg.Keys, user, res.Profile)
		if err != nil {
			return c, err
		}
		c.Profile = p
	}
	// The reference of the 1:1 chat is what reminders and campaigns use;
	// it is rewritten only when it changed (e.g. a new serviceUrl).
	if personal {
		ref, err := json.Marshal(activity.ConvRef(a))
		if err != nil {
			return c, fmt.Errorf("encode reference: %w", err)
		}
		if sum := b.cfg.Hasher.Sum("ref", string(ref)); sum != data.RefSum {
			c.Ref, c.RefSum = b.cfg.Keys.Seal(ref, []byte("ref:"+user)), sum
			refMoved = true
		}
	}
	return c, nil
}

// hookOps are the writes the commit hooks (Config.CommitHooks) add to a
// turn's commit.
func (b *Bot) hookOps(a *schema.Activity, user string, res dialogs.Result, refMoved bool) []redisstore.Op {
	if len(b.cfg.CommitHooks) == 0 {
		return nil
	}
	kind, acted := turnKind(a)
	in := effect.Commit{Activity: a, User: user, Kind: kind, Acted: acted, Outputs: res.Outputs, ProfileChanged: res.ProfileChanged, RefMoved: refMoved}
	var ops []redisstore.Op
	for _, h := range b.cfg.CommitHooks {
		ops = append(ops, h(in)...)
	}
	return ops
}

// openState decrypts and decodes a conversation's state. State that does
// not open (a retired key, corruption) starts the conversation afresh
// rather than failing every turn.
func (b *Bot) openState(conv string, sealed []byte) dialogs.State {
	var st dialogs.State
	if len(sealed) == 0 {
		return st
	}
	plain, err := b.cfg.Keys.Open(sealed, []byte("conv:"+conv))
	if err == nil {
		err = json.Unmarshal(plain, &st)
	}
	if err != nil {
		b.log.Warn("dialog state unreadable, starting afresh", "err", err)
		return dialogs.State{}
	}
	return st
}

// invokeAnswer turns the first card of an invoke's outputs into the HTTP
// answer (it replaces the clicked card); the rest are sent as messages.
func (b *Bot) invokeAnswer(lang dialogs.Lang, out []dialogs.Output) (*InvokeResponse, []dialogs.Output) {
	for i, o := range out {
		if r, ok := o.(dialogs.Reply); ok {
			rest := append(append([]dialogs.Output{}, out[:i]...), out[i+1:]...)
			return &InvokeResponse{StatusCode: 200, Type: "application/vnd.microsoft.card.adaptive", Value: b.cfg.Renderer.Card(lang, r.Card)}, rest
		}
	}
	return &InvokeResponse{StatusCode: 200, Type: "application/vnd.microsoft.activity.message", Value: ""}, out
}

// deliver carries out a committed turn's outputs after the HTTP answer, in
// order, tracked so that shutdown drains them.
func (b *Bot) deliver(a *schema.Activity, lang dialogs.Lang, out []dialogs.Output) {
	if len(out) == 0 {
		return
	}
	b.sends.Add(1)
	b.spawn(func() {
		defer b.sends.Done()
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.SendTimeout)
		defer cancel()
		for _, o := range out {
			if err := b.carryOut(ctx, a, lang, o); err != nil {
				// Logged without ids or text: the error names the operation and status.
				b.log.Warn("output not delivered", "err", err)
				b.metrics.Turns.WithLabelValues(metricType(a.Type), "send_error").Inc()
				// A card that can no longer be updated (deleted, too old)
				// must not cost the user the reply that follows it.
				if _, isUpdate := o.(dialogs.Update); isUpdate {
					continue
				}
				return
			}
		}
	})
}

func (b *Bot) carryOut(ctx context.Context, a *schema.Activity, lang dialogs.Lang, o dialogs.Output) error {
	switch o := o.(type) {
	case dialogs.Reply:
		b.takeBudget(ctx)
		_, err := b.cfg.Connector.Send(ctx, a.ServiceURL, a.Conversation.ID, b.replyActivity(a, lang, o.Card))
		return err
	case dialogs.Update:
		act := b.replyActivity(a, lang, o.Card)
		act.ID = o.ActivityID
		return b.cfg.Connector.Update(ctx, a.ServiceURL, a.Conversation.ID, o.ActivityID, act)
	case afterOutput:
		return o.fn(ctx)
	}
	return nil
}

// A rendered card is sent as it is (connector.Verbatim).
var _ connector.Verbatim = cards.JSON(nil)

// replyActivity addresses a card back to the conversation of a.
func (b *Bot) replyActivity(a *schema.Activity, lang dialogs.Lang, c dialogs.Card) *schema.Activity {
	return activity.Reply(a, lang, b.cfg.Renderer.Attachment(lang, c))
}

// apologize tells the user kindly that the turn could not be handled (the
// store is down), without touching any state.
func (b *Bot) apologize(a *schema.Activity) {
	lang := dialogs.LangOf(a.Locale)
	card := dialogs.Card{Name: "unavailable", Blocks: []dialogs.Block{{Kind: dialogs.BlockText, Msg: dialogs.M("core.error.unavailable")}}}
	b.deliver(a, lang, []dialogs.Output{dialogs.Reply{Card: card}})
}

// now is the injected clock.
func (b *Bot) now() time.Time { return b.cfg.Now() }
