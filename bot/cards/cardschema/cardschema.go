// Package cardschema validates rendered cards against the official Adaptive
// Card 1.5 JSON Schema (embedded, from microsoft/AdaptiveCards), for tests
// across the project.
package cardschema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed adaptive-card-1.5.schema.json
var schemaJSON []byte

const schemaURL = "http://adaptivecards.io/schemas/adaptive-card.json"

var (
	once   sync.Once
	schema *jsonschema.Schema
	errC   error
)

func compiled() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			errC = fmt.Errorf("parse card schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaURL, doc); err != nil {
			errC = fmt.Errorf("add card schema: %w", err)
			return
		}
		schema, errC = c.Compile(schemaURL)
	})
	return schema, errC
}

// Validate checks a card (any value that marshals to Adaptive Card JSON)
// against the 1.5 schema, and that it declares version 1.5.
func Validate(card any) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	b, err := json.Marshal(card)
	if err != nil {
		return fmt.Errorf("marshal card: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("reparse card: %w", err)
	}
	if m, ok := doc.(map[string]any); !ok || m["version"] != "1.5" || m["type"] != "AdaptiveCard" {
		return fmt.Errorf("not an Adaptive Card 1.5")
	}
	return s.Validate(doc)
}
