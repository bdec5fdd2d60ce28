package enterprises

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/futian/ifutian/internal/text"
)

// checkText trims *v and checks it as free text for a column of max
// characters (MySQL's VARCHAR(n) of utf8mb4 counts characters): valid
// UTF-8, no control characters (line breaks allowed where multiline), at
// most max characters, and present when required. It records what is wrong
// in fields under name.
func checkText(fields map[string]string, name string, v *string, max int, required, multiline bool) {
	*v = strings.TrimSpace(*v)
	s := *v
	switch {
	case !utf8.ValidString(s):
		fields[name] = "不是有效的 UTF-8 文本"
	case required && text.Blank(s):
		fields[name] = "必填"
	case utf8.RuneCountInString(s) > max:
		fields[name] = fmt.Sprintf("不能超过 %d 字", max)
	case strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) >= 0:
		fields[name] = "不能含控制字符"
	}
}
