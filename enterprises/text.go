package enterprises

import (
	"errors"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
)

// tagged checks an input by its binding tags (check.Struct: presence,
// lengths, enums) and returns what is wrong, by field, for the domain's
// own checks to add to.
func tagged(v any) map[string]string {
	fields := map[string]string{}
	if err := check.Struct(v); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) == 0 {
			fields["body"] = err.Error()
		}
		if ae != nil {
			maps.Copy(fields, ae.Fields)
		}
	}
	return fields
}

// checkText trims *v and checks it as free text: valid UTF-8 and no
// control characters (line breaks allowed where multiline). It records
// what is wrong in fields under name, unless the field is bad already.
// Its length and presence are the binding tags' (check.Struct): the
// input types state them once.
func checkText(fields map[string]string, name string, v *string, multiline bool) {
	*v = strings.TrimSpace(*v)
	s := *v
	if _, bad := fields[name]; bad {
		return
	}
	switch {
	case !utf8.ValidString(s):
		fields[name] = "不是有效的 UTF-8 文本"
	case strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) >= 0:
		fields[name] = "不能含控制字符"
	}
}
