package dialogs_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kk/graensen/dialogs"
)

// driver is the one transcript driver of the dialogs tests: it plays one
// user in one conversation against an engine, like the bot minus HTTP and
// Redis. Between turns the state and the profile go through the JSON
// round trip the bot's storage makes (the profile only when the engine
// says it changed, as the bot writes it), so a test never sees state the
// bot could not have stored.
//
//	d.say("hjælp")                       // typed text
//	d.click(action)                      // a button's data
//	d.clickWith(action, map[string]string{"text": "…"}) // a button with card inputs
//	d.dialog(values)                     // a Teams dialog invoke (task/fetch, task/submit)
type driver struct {
	t      *testing.T
	e      *dialogs.Engine
	st     dialogs.State
	p      dialogs.Profile
	locale string
	scope  dialogs.Scope
	aad    string
	now    time.Time
	seq    int
	last   dialogs.Result
	// ids names a turn's activity and the card it answers (ReplyToID);
	// default "act-N" and none.
	ids func(seq int) (activity, replyTo string)
	// rand is the turn's randomness; default a counting sequence.
	rand func(n int) []byte
	// onTurn, when set, sees every turn's result (checks, recordings).
	onTurn func(dialogs.Result)
	rnd    byte
}

// newDriver starts a conversation on engine e in locale at a fixed time.
func newDriver(t *testing.T, e *dialogs.Engine, locale string) *driver {
	return &driver{t: t, e: e, locale: locale, now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
}

func (d *driver) run(in dialogs.Input) dialogs.Result {
	d.t.Helper()
	d.seq++
	if in.ActivityID == "" {
		if d.ids != nil {
			in.ActivityID, in.ReplyToID = d.ids(d.seq)
		} else {
			in.ActivityID = fmt.Sprintf("act-%d", d.seq)
		}
	}
	in.Locale, in.Now, in.Scope, in.AadID = d.locale, d.now, d.scope, d.aad
	in.Rand = d.rand
	if in.Rand == nil {
		in.Rand = func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				d.rnd++
				b[i] = d.rnd
			}
			return b
		}
	}
	res := d.e.Step(d.st, d.p, in)
	if !res.Duplicate {
		d.st = roundTrip(d.t, res.State)
		if res.ProfileChanged {
			d.p = roundTrip(d.t, res.Profile)
		}
	}
	d.last = res
	if d.onTurn != nil {
		d.onTurn(res)
	}
	return res
}

func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// say sends typed text.
func (d *driver) say(text string) dialogs.Result {
	d.t.Helper()
	return d.run(dialogs.Input{Kind: dialogs.KindMessage, Text: text})
}

// click sends a button's data.
func (d *driver) click(data map[string]string) dialogs.Result {
	d.t.Helper()
	return d.run(dialogs.Input{Kind: dialogs.KindMessage, Values: data})
}

// clickWith sends a button's data together with the card's input values
// (the button's data wins, as in Teams).
func (d *driver) clickWith(data, values map[string]string) dialogs.Result {
	d.t.Helper()
	v := map[string]string{}
	for k, x := range values {
		v[k] = x
	}
	for k, x := range data {
		v[k] = x
	}
	return d.click(v)
}

// dialog sends a Teams dialog invoke (task/fetch or task/submit) with values.
func (d *driver) dialog(values map[string]string) dialogs.Result {
	d.t.Helper()
	return d.run(dialogs.Input{Kind: dialogs.KindInvoke, Dialog: true, Values: values})
}
