package cardschema_test

import (
	"github.com/kk/graensen/bot/cards/cardschema"
	"testing"
)

func TestSchemaRejectsGarbage(t *testing.T) {
	good := map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{map[string]any{"type": "TextBlock", "text": "hi", "wrap": true}}}
	if err := cardschema.Validate(good); err != nil {
		t.Fatalf("valid card refused: %v", err)
	}
	bad := map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{map[string]any{"type": "TextBlock", "wrap": "yes"}}}
	if err := cardschema.Validate(bad); err == nil {
		t.Fatal("invalid card accepted")
	}
	if err := cardschema.Validate(map[string]any{"type": "AdaptiveCard", "version": "1.6", "body": []any{}}); err == nil {
		t.Fatal("wrong version accepted")
	}
}
