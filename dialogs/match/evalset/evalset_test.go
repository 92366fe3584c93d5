package evalset

import "testing"

func TestLoadSetAndHalf(t *testing.T) {
	for _, lang := range []string{"da", "en"} {
		main, err := LoadSet("main", lang)
		if err != nil || len(main) == 0 {
			t.Fatalf("main %s: %d cases, %v", lang, len(main), err)
		}
		held, err := LoadSet("heldout", lang)
		if err != nil || len(held) == 0 {
			t.Fatalf("heldout %s: %d cases, %v", lang, len(held), err)
		}
		h1, h2 := Half(held, 1), Half(held, 2)
		if len(h1)+len(h2) != len(held) || h1[0].Text != held[0].Text || h2[0].Text != held[1].Text || len(Half(held, 0)) != len(held) {
			t.Errorf("%s: halves %d+%d of %d do not split the set by odd/even line", lang, len(h1), len(h2), len(held))
		}
	}
	if _, err := LoadSet("nope", "da"); err == nil {
		t.Error("an unknown set loaded")
	}
	if _, err := LoadSet("heldout", "../da"); err == nil {
		t.Error("an unknown language loaded")
	}
}
