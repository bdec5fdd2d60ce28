package enterprises

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in, want  string
		multiline bool
		bad       bool
	}{
		{name: "Trimmed", in: "  深圳市公司 ", want: "深圳市公司"},
		{name: "Long", in: strings.Repeat("长", 300), want: strings.Repeat("长", 300)}, // lengths are the tags'
		{name: "ErrInvalidUTF8", in: "公司\xff", bad: true},
		{name: "ErrCutCharacter", in: "公\xe5\x8f", bad: true},
		{name: "ErrNUL", in: "公\x00司", bad: true},
		{name: "ErrNewlineInLine", in: "公\n司", bad: true},
		{name: "NewlineInMultiline", in: "第一行\n第二行", want: "第一行\n第二行", multiline: true},
		{name: "ErrBellInMultiline", in: "公\a司", multiline: true, bad: true},
		{name: "Optional", in: "", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := map[string]string{}
			v := tc.in
			checkText(fields, "f", &v, tc.multiline)
			if bad := fields["f"] != ""; bad != tc.bad {
				t.Fatalf("checkText(%q) fields=%v, want bad=%v", tc.in, fields, tc.bad)
			}
			if !tc.bad && v != tc.want {
				t.Fatalf("checkText(%q) left %q, want %q", tc.in, v, tc.want)
			}
		})
	}
}
