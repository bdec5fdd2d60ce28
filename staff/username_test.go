package staff

import "testing"

func TestNormalizeUsername(t *testing.T) {
	for in, want := range map[string]string{
		"demo_editor":         "demo_editor",
		" DEMO_EDITOR\t":      "demo_editor",
		"\u3000Demo_Editor\n": "demo_editor",
		"\u00a0ops.one \r\n":  "ops.one",
		"":                    "",
	} {
		if got := NormalizeUsername(in); got != want {
			t.Errorf("NormalizeUsername(%q)=%q, want %q", in, got, want)
		}
	}
}
