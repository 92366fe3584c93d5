// Package effect is the contract between the turn pipeline (package bot)
// and the features that carry out the dialogs' domain outputs (reports,
// reminders, campaigns, feedback, statistics): what an effect may know of
// the turn (TurnContext) and what it hands back (Prepared). Features
// import this package, never package bot.
package effect

import (
	"context"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
)

// TurnContext is what an Effect may know of the turn. It holds identity
// only as keyed hashes, plus the activity for addressing replies; effects
// must never store the activity's ids.
type TurnContext struct {
	Activity *schema.Activity
	ConvKey  string // keyed hash of the conversation
	UserKey  string // keyed hash of the user
	Lang     dialogs.Lang
	Now      time.Time
	// Token is random and the same in every attempt of this turn (reruns
	// after a conflict): effects derive their writes' idempotency keys from
	// it (never from the person or the case).
	Token string
}

// Prepared is an effect's part in a turn: Ops are committed atomically with
// the turn's state (all or nothing), Outputs are delivered in place of the
// domain output (e.g. a status card built from stored data), and After runs
// once the commit has succeeded (e.g. waking a worker).
//
// Write is a write of its own that must not join the person's commit (a
// report, a receipt check, a message on a case: redisstore refuses case
// keys in a turn's commit). It runs before the commit, once per attempt,
// so it must be idempotent (redisstore.WriteOnce under a key derived from
// TurnContext.Token or a token in the dialog state): the case is written
// first, then the turn's commit removes the draft; a rerun after a
// conflict writes nothing twice.
type Prepared struct {
	Ops     []redisstore.Op
	Outputs []dialogs.Output
	After   func(ctx context.Context) error
	Write   func(ctx context.Context) error
}

// Func carries out a domain output of the dialogs (anything beyond Reply,
// Update and Forget). It returns handled=false for outputs that are not
// its own. It may run more than once for a turn (a rerun after a
// conflict), so it must only read and compute, never write.
type Func func(ctx context.Context, tc TurnContext, o dialogs.Output) (p Prepared, handled bool, err error)

// Commit is what a CommitHook sees of a turn about to be committed.
type Commit struct {
	Activity *schema.Activity
	// User is the keyed hash of the user.
	User string
	// Kind is what the activity was to the engine; Acted is false for
	// activities the bot does not act on (Kind is then meaningless).
	Kind  dialogs.Kind
	Acted bool
	// Outputs and ProfileChanged are the turn's result.
	Outputs        []dialogs.Output
	ProfileChanged bool
	// RefMoved is true when the user's 1:1 conversation reference is
	// written by this commit (new, or changed, e.g. a new serviceUrl).
	RefMoved bool
}

// CommitHook adds writes to every turn's commit, from the activity and the
// turn's result (bot/campaign.Service.CommitOps keeps team channels and
// the sealed Entra ids campaigns send to). The pipeline calls the hooks it
// is given and knows nothing of what they keep. A hook must only compute.
type CommitHook func(c Commit) []redisstore.Op
