package db

import "testing"

func TestContains(t *testing.T) {
	for in, want := range map[string]string{"": "%%", "华富": "%华富%", "100%_!": "%100!%!_!!%"} {
		if got := Contains(in); got != want {
			t.Errorf("Contains(%q) = %q, want %q", in, got, want)
		}
	}
}
