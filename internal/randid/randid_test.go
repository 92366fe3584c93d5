package randid

import "testing"

func TestBytesAndHex(t *testing.T) {
	if got := len(Bytes(16)); got != 16 {
		t.Fatalf("len(Bytes(16)) = %d", got)
	}
	a, b := Hex(12), Hex(12)
	if len(a) != 24 || a == b {
		t.Fatalf("Hex(12) = %q then %q: want 24 hex characters, different each time", a, b)
	}
}
