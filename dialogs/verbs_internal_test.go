package dialogs

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// Every verb a card carries has a name of its own: no two verb constants
// (Verb…, and the flows' own verb…) share a value, as "rback" and
// "rsubmit" once did, and none is an earlier name of another verb.
func TestEveryVerbOnTheWireIsUnique(t *testing.T) {
	byValue := map[string]string{}
	_, files := ParseSources(t)
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if !strings.HasPrefix(strings.ToLower(name.Name), "verb") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				if other, dup := byValue[v]; dup {
					t.Errorf("%s and %s are both %q", other, name.Name, v)
				}
				byValue[v] = name.Name
			}
			return true
		})
	}
	if len(byValue) < 60 {
		t.Fatalf("found only %d verbs: %v", len(byValue), byValue)
	}
	for old := range legacyVerbs {
		if name, ok := byValue[old]; ok {
			t.Errorf("%s is %q, an earlier name of another verb", name, old)
		}
	}
	for flow, names := range legacyFrameVerbs {
		for old, now := range names {
			if name, ok := byValue[old]; ok {
				t.Errorf("%s is %q, an earlier name of %s's %s", name, old, flow, now)
			}
		}
	}
}
