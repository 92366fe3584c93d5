package effect

import (
	"fmt"
	"reflect"

	"github.com/kk/graensen/dialogs"
)

// Route sends one output type of the dialogs to the feature's handler that
// carries it out: Output is a zero value of the type (dialogs.FileReport{}).
type Route struct {
	Output dialogs.Output
	Handle Func
}

// Table is the one handler of each domain output type. The pipeline looks
// an output's type up in it, so the order of the routes does not matter.
type Table map[reflect.Type]Func

// NewTable builds the table from routes and checks it against want, the
// domain output types of the dialogs (dialogs.DomainOutputs): a type with
// no route, a type with two, or a route for a type not in want is an
// error, so a wrong table fails at start, not at the first click.
func NewTable(want []dialogs.Output, routes ...Route) (Table, error) {
	known := make(map[reflect.Type]bool, len(want))
	for _, o := range want {
		known[reflect.TypeOf(o)] = true
	}
	t := make(Table, len(routes))
	for _, r := range routes {
		typ := reflect.TypeOf(r.Output)
		switch {
		case r.Output == nil || r.Handle == nil:
			return nil, fmt.Errorf("effect table: route for %v without output or handler", typ)
		case !known[typ]:
			return nil, fmt.Errorf("effect table: %v is not a domain output of the dialogs", typ)
		case t[typ] != nil:
			return nil, fmt.Errorf("effect table: two handlers for %v", typ)
		}
		t[typ] = r.Handle
	}
	for _, o := range want {
		if t[reflect.TypeOf(o)] == nil {
			return nil, fmt.Errorf("effect table: no handler for %T", o)
		}
	}
	return t, nil
}
