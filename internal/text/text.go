// Package text holds the rules the API applies to free text: when a
// required text counts as blank, and the key under which two spellings of
// one reference (a case number) are the same.
package text

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Invisible reports whether r shows nothing on its own: white space,
// control and format characters (Unicode Cc, Cf: U+200B ZERO WIDTH SPACE,
// U+FEFF, bidi marks), the other default-ignorable code points (Hangul
// fillers, variation selectors, U+034F) and U+2800 BRAILLE PATTERN BLANK,
// which renders as an empty cell.
func Invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u2800' || r == utf8RuneError
}

// utf8RuneError is what a byte that is not UTF-8 decodes as; it shows as
// a replacement box, but text carrying it is refused elsewhere, so it does
// not make a text present here.
const utf8RuneError = '\uFFFD'

// Blank reports whether s has no visible character: "" and texts of
// only Invisible runes ("  ", "\u200b\u200b", "\u3000") are blank. Every
// required text field of the API is refused when Blank.
func Blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !Invisible(r) }) < 0
}

var fold = cases.Fold()

// Key is the form under which two spellings of one reference compare
// equal: Unicode NFKC (full-width digits and letters become ASCII,
// "〔２０２６〕７７号" = "〔2026〕77号"), format characters (Cf, such as a
// trailing U+200B) removed, case folded ("CASE-42" = "case-42"), runs of
// white space made one ASCII space and the ends trimmed. The text as
// entered is what is displayed; Key is only compared. A change here needs
// a migration that recomputes the stored keys.
func Key(s string) string {
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = norm.NFKC.String(fold.String(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}
