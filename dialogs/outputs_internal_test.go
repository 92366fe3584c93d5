package dialogs

import (
	"go/ast"
	"reflect"
	"slices"
	"testing"
)

// DomainOutputs is written by hand: it must name every output type of the
// package (every type with an IsOutput method) except those the pipeline
// carries out itself, or a new output would reach no effect and the bot
// would not notice until it is emitted.
func TestDomainOutputsListsEveryOutputType(t *testing.T) {
	pipeline := []string{"Reply", "Update", "Forget", "ShowDialog", "CloseDialog", "CountUse"} // bot/turn.go delivers these
	var declared []string
	_, files := ParseSources(t)
	for _, file := range files {
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "IsOutput" && fn.Recv != nil {
				if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
					declared = append(declared, id.Name)
				}
			}
		}
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d output types: %v", len(declared), declared)
	}
	var listed []string
	for _, o := range DomainOutputs() {
		listed = append(listed, reflect.TypeOf(o).Name())
	}
	for _, name := range declared {
		if !slices.Contains(pipeline, name) && !slices.Contains(listed, name) {
			t.Errorf("output %s is neither in DomainOutputs nor one the pipeline delivers", name)
		}
	}
	for _, name := range listed {
		if !slices.Contains(declared, name) || slices.Contains(pipeline, name) {
			t.Errorf("DomainOutputs lists %s, which is not a domain output type", name)
		}
	}
}
