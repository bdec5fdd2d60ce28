package enterprises

import (
	"strings"
	"testing"
)

// FuzzNormalizeUSCC: whatever the input, an accepted code is 18 characters
// of the standard's set, is accepted again unchanged, and stops being
// accepted when any one character changes.
func FuzzNormalizeUSCC(f *testing.F) {
	for _, seed := range []string{"914403001922038216", "9144030071526726XG", "9144030071526726xg ", "91440300192203821", "91440300I922038216", "", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := NormalizeUSCC("uscc", in)
		if err != nil {
			return
		}
		if len(c) != 18 || strings.Trim(c, usccChars) != "" {
			t.Fatalf("accepted %q as %q", in, c)
		}
		if again, err := NormalizeUSCC("uscc", c); err != nil || again != c {
			t.Fatalf("normalised %q not stable: %q, %v", c, again, err)
		}
		// A single changed character must be caught by the check character.
		for i := range 18 {
			for _, r := range []byte{'0', 'A', 'Y'} {
				if c[i] == r {
					continue
				}
				mut := c[:i] + string(r) + c[i+1:]
				if _, err := NormalizeUSCC("uscc", mut); err == nil {
					t.Fatalf("%q accepted after changing position %d of %q", mut, i+1, c)
				}
			}
		}
	})
}
