package enterprises

import "testing"

// TestNormalizeUSCCSeparators: codes typed with inner spaces or hyphens, as
// python-stdnum accepts them, are the same code.
func TestNormalizeUSCCSeparators(t *testing.T) {
	for _, in := range []string{
		"91 110000 600037341L",
		"91-110000-600037341L",
		"91 1100-00600037341l",
		"\t911100006000 37341L ",
		"91　110000　600037341L", // full-width spaces, as typed with a Chinese input method
		"91－110000－600037341L", // full-width hyphens
	} {
		got, err := NormalizeUSCC("uscc", in)
		if err != nil || got != "91110000600037341L" {
			t.Errorf("NormalizeUSCC(%q)=%q, %v; want 91110000600037341L", in, got, err)
		}
	}
	for _, in := range []string{"91 110000 600037341M", "91_110000_600037341L", "91.110000.600037341L", "-"} {
		if _, err := NormalizeUSCC("uscc", in); err == nil {
			t.Errorf("NormalizeUSCC(%q) accepted", in)
		}
	}
}
