package enterprises

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/futian/ifutian/internal/apperr"
)

// usccChars is the character set of GB 32100-2015: digits and the capital
// letters without I, O, S, V and Z. A character's value is its index.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the weights of positions 1–17: 3^(i-1) mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeUSCC upper-cases a unified social credit code, drops the
// spaces and hyphens it may be typed with ("91 110000 600037341L",
// "91-110000-600037341L", full-width ones too, as python-stdnum's compact
// form does) and checks it against GB 32100-2015: 18 characters from the
// standard's set, the 6-digit administrative division code in positions
// 3–8, and the check character in position 18. It returns an
// invalid_argument error naming field if the code is malformed.
func NormalizeUSCC(field, code string) (string, error) {
	c := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '－' {
			return -1
		}
		return r
	}, code))
	if utf8.RuneCountInString(c) != 18 {
		return "", apperr.Field(field, "统一社会信用代码须为 18 位")
	}
	sum := 0
	for i, r := range []rune(c) {
		v := -1
		if r < utf8.RuneSelf {
			v = strings.IndexByte(usccChars, byte(r))
		}
		if v < 0 {
			return "", apperr.Field(field, "统一社会信用代码含无效字符 "+strconv.QuoteRune(r))
		}
		if i >= 2 && i < 8 && v > 9 {
			return "", apperr.Field(field, "统一社会信用代码第 3–8 位须为行政区划代码")
		}
		if i < 17 {
			sum += v * usccWeights[i]
		}
	}
	check := (31 - sum%31) % 31
	if c[17] != usccChars[check] {
		return "", apperr.Field(field, "统一社会信用代码校验位错误")
	}
	return c, nil
}

// usccCheckChar returns the check character for the first 17 characters of
// a code (which must be valid characters); seed data and tests build codes
// with it.
func usccCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccChars, first17[i]) * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31]
}

// CompleteUSCC appends the check character to the first 17 characters of a
// code. It is for seed data and tests; first17 must use the standard's set.
func CompleteUSCC(first17 string) string { return first17 + string(usccCheckChar(first17)) }
