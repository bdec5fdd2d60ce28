package notify

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Target is what a system notice is about, by reference: the inbox item
// links to it and its subscribe message opens its page in the mini
// program. IDs are strings, like every ID of the API (an enterprise's is
// its unified social credit code).
type Target struct {
	Type string `json:"type" doc:"the kind of object, which names its page in the mini program: request, activity, survey, points_transaction, appeal, enterprise, enterprise_benefits"`
	ID   string `json:"id" doc:"its ID (an enterprise's unified social credit code)"`
}

// The kinds of object a notice may be about.
const (
	TargetRequest     = "request"
	TargetActivity    = "activity"
	TargetSurvey      = "survey"
	TargetDeduction   = "points_transaction"
	TargetAppeal      = "appeal"
	TargetEnterprise  = "enterprise"
	TargetBenefits    = "enterprise_benefits"
	targetNoticeSelf  = "notice" // a department notice's subscribe message opens the notice itself
	maxTargetIDLength = 64
)

// targetPages are the mini program pages each kind of target opens, with
// the query parameter naming it. The server builds every page a subscribe
// message opens from this table; nothing a staff member types reaches it.
var targetPages = map[string]struct{ path, param string }{
	TargetRequest:    {"pages/requests/detail", "id"},
	TargetActivity:   {"pages/activities/detail", "id"},
	TargetSurvey:     {"pages/surveys/detail", "id"},
	TargetDeduction:  {"pages/points/transaction", "id"},
	TargetAppeal:     {"pages/points/appeals", "id"},
	TargetEnterprise: {"pages/enterprises/detail", "uscc"},
	TargetBenefits:   {"pages/enterprises/benefits", "uscc"},
	targetNoticeSelf: {"pages/notices/detail", "id"},
}

var targetIDPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// valid reports whether t is a known type with a plain ID.
func (t Target) valid() bool {
	_, ok := targetPages[t.Type]
	return ok && t.Type != targetNoticeSelf && targetIDPattern.MatchString(t.ID)
}

// Page returns the mini program page t opens, e.g.
// "pages/requests/detail?id=9"; "" for an unknown type.
func (t Target) Page() string {
	p, ok := targetPages[t.Type]
	if !ok || t.ID == "" {
		return ""
	}
	return p.path + "?" + p.param + "=" + url.QueryEscape(t.ID)
}

// targetOf returns the stored target of a notice, nil when it has none.
func targetOf(typ, id string) *Target {
	if typ == "" {
		return nil
	}
	return &Target{Type: typ, ID: id}
}

// pageOf is the page notice id's subscribe message opens: its target's, or
// the notice itself for a department's notice.
func pageOf(id int64, typ, targetID string) string {
	if t := targetOf(typ, targetID); t != nil {
		return t.Page()
	}
	return Target{Type: targetNoticeSelf, ID: strconv.FormatInt(id, 10)}.Page()
}

// SummaryLength is how many characters of a body an inbox list shows.
const SummaryLength = 80

// summaryPrefix is how many characters of the body a list reads from the
// database: enough for the summary after white space is folded.
const summaryPrefix = 200

// summarize returns the start of body as one plain line: runs of white
// space and control characters (line breaks included) become one space,
// and a body longer than SummaryLength characters is cut and ends in "…".
// body may be the first summaryPrefix characters of a longer one.
func summarize(body string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(body) {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	cut := utf8.RuneCountInString(body) >= summaryPrefix // read only in part
	if utf8.RuneCountInString(s) <= SummaryLength && !cut {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:min(len(r), SummaryLength-1)])) + "…"
}
