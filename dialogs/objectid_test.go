package dialogs_test

import (
	"testing"

	"github.com/kk/graensen/dialogs"
)

func TestObjectIDFoldsCaseAndSpace(t *testing.T) {
	for in, want := range map[string]string{
		"6F1C2B3A-0D4E-4F5A-9B8C-7D6E5F4A3B2C":    "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
		" 6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c\n": "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
		"": "",
	} {
		if got := dialogs.ObjectID(in); got != want {
			t.Errorf("ObjectID(%q) = %q, want %q", in, got, want)
		}
	}
}
