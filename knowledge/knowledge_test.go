package knowledge

import (
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
)

func TestTerms(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"", ""},
		{"  垃圾清运  ", "垃圾清运|垃圾|圾清|清运"},
		{"噪音 投诉", "噪音|投诉"},
		{"Wi-Fi 密码", "wi|fi|密码"},
		{"狗", "狗"},      // only a one-character term: kept
		{"狗 噪音", "噪音"},  // else left out
		{"%_!", ""},     // punctuation only
		{"停车 停车", "停车"}, // once
		{"医保报销比例", "医保报销比例|医保|保报|报销|销比|比例"},
	} {
		if got := strings.Join(Terms(tc.q), "|"); got != tc.want {
			t.Errorf("Terms(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
	var rs []rune
	for i := range 60 {
		rs = append(rs, rune(0x4e00+i))
	}
	long := string(rs)
	if n := len(Terms(long)); n != MaxTerms {
		t.Errorf("Terms(long) = %d terms, want %d", n, MaxTerms)
	}
}

func TestScore(t *testing.T) {
	q := "垃圾清运"
	terms := Terms(q)
	for _, tc := range []struct {
		question, answer string
		want             int
	}{
		{"小区垃圾清运时间是几点？", "", 10 + 4*3}, // the whole query and every term in the question
		{"垃圾分类怎么做？", "清运由街道负责", 3 + 1}, // 垃圾 in the question, 清运 in the answer
		{"如何办理居住证？", "携带身份证", 0},
		{"", "每天早上垃圾清运一次", 4},
	} {
		if got := Score(tc.question, tc.answer, q, terms); got != tc.want {
			t.Errorf("Score(%q, %q) = %d, want %d", tc.question, tc.answer, got, tc.want)
		}
	}
}

func TestDecideStatus(t *testing.T) {
	for _, tc := range []struct {
		from, to Status
		ok       bool
	}{
		{StatusDraft, StatusDraft, true},
		{StatusDraft, StatusPublished, true},
		{StatusPublished, StatusRetired, true},
		{StatusRetired, StatusPublished, true},
		{StatusPublished, StatusDraft, false},
		{StatusRetired, StatusDraft, false},
	} {
		err := decideStatus(tc.from, tc.to)
		if (err == nil) != tc.ok || (err != nil && apperr.CodeOf(err) != apperr.Invalid) {
			t.Errorf("decideStatus(%s, %s) = %v", tc.from, tc.to, err)
		}
	}
}

func TestLikeEscape(t *testing.T) {
	if got := likeEscape("100%_!x"); got != "100!%!_!!x" {
		t.Errorf("likeEscape = %q", got)
	}
}
