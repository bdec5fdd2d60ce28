package text

import "testing"

func TestBlank(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"   ", true},
		{"\t\r\n", true},
		{"\u200b\u200b", true},       // zero width space ×2 (issue 21 item 7)
		{"\u3000", true},             // ideographic space
		{"\ufeff\u200d\u2060", true}, // BOM, ZWJ, word joiner
		{"\u202e\u200e", true},       // bidi controls
		{"\u3164\u115f", true},       // Hangul fillers
		{"\ufe0f", true},             // variation selector
		{"\u2800", true},             // braille blank
		{"\u00a0\u00ad", true},       // no-break space, soft hyphen
		{"a", false},
		{"\u200b路灯坏了\u200b", false},
		{"。", false},
		{"😀", false},
		{"\u200b1", false},
	} {
		if got := Blank(tc.in); got != tc.want {
			t.Errorf("Blank(%+q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"〔2026〕77号", "〔２０２６〕７７号"},             // full-width digits
		{"〔2026〕77号", "〔2026〕77号\u200b"},       // appended zero width space
		{"〔2026〕77号", "\ufeff〔2026〕\u200d77号"}, // BOM, joiner inside
		{"case-42", "CASE-42"},
		{"case-42", "ＣＡＳＥ－４２"},
		{"case 42", "  CASE \u3000 42 "},
		{"straße", "STRASSE"},
		{"深福市监罚〔2026〕88号", "深福市监罚〔２０２６〕８８号"},
	} {
		if ka, kb := Key(tc.a), Key(tc.b); ka != kb {
			t.Errorf("Key(%+q) = %+q, Key(%+q) = %+q, want equal", tc.a, ka, tc.b, kb)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"case-42", "case-43"},
		{"case42", "case 42"},
		{"〔2026〕77号", "[2026]77号"}, // different brackets are different references
	} {
		if Key(tc.a) == Key(tc.b) {
			t.Errorf("Key(%+q) = Key(%+q) = %+q, want different", tc.a, tc.b, Key(tc.a))
		}
	}
	if got, want := Key(" ＣＡＳＥ－４２\u200b "), "case-42"; got != want {
		t.Errorf("Key = %+q, want %+q", got, want)
	}
}
