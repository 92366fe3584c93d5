package effect_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kk/graensen/bot/effect"
	"github.com/kk/graensen/dialogs"
)

func handler(name string) effect.Func {
	return func(context.Context, effect.TurnContext, dialogs.Output) (effect.Prepared, bool, error) {
		return effect.Prepared{Outputs: []dialogs.Output{dialogs.Reply{Card: dialogs.Card{Name: name}}}}, true, nil
	}
}

func TestNewTable(t *testing.T) {
	want := []dialogs.Output{dialogs.FileReport{}, dialogs.ShowStats{}}
	for _, c := range []struct {
		name   string
		routes []effect.Route
		err    string
	}{
		{"complete", []effect.Route{{dialogs.ShowStats{}, handler("stats")}, {dialogs.FileReport{}, handler("report")}}, ""},
		{"missing", []effect.Route{{dialogs.FileReport{}, handler("report")}}, "no handler for dialogs.ShowStats"},
		{"two handlers", []effect.Route{{dialogs.FileReport{}, handler("report")}, {dialogs.ShowStats{}, handler("stats")}, {dialogs.FileReport{}, handler("other")}}, "two handlers for dialogs.FileReport"},
		{"not a domain output", []effect.Route{{dialogs.FileReport{}, handler("report")}, {dialogs.ShowStats{}, handler("stats")}, {dialogs.CampaignAck{}, handler("ack")}}, "dialogs.CampaignAck is not a domain output"},
		{"no handler func", []effect.Route{{dialogs.FileReport{}, nil}, {dialogs.ShowStats{}, handler("stats")}}, "without output or handler"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab, err := effect.NewTable(want, c.routes...)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Each type reaches its own handler, whatever the routes' order.
			for _, r := range []struct {
				o    dialogs.Output
				name string
			}{{dialogs.FileReport{}, "report"}, {dialogs.ShowStats{}, "stats"}} {
				o, name := r.o, r.name
				p, ok, err := tab[reflect.TypeOf(o)](context.Background(), effect.TurnContext{}, o)
				if err != nil || !ok || p.Outputs[0].(dialogs.Reply).Card.Name != name {
					t.Errorf("%T reached %+v (%v, %v), want %s", o, p, ok, err, name)
				}
			}
		})
	}
}
