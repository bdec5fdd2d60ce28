package notify

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/futian/ifutian/internal/district"
)

// Config is how notices reach people beyond the inbox. The zero Config
// sends no system message by WeChat, keeps no quiet hours and sets no
// daily cap.
type Config struct {
	// Templates maps a kind of system message to the subscribe template it
	// also goes out as; a kind not listed reaches the inbox only.
	Templates map[SystemKind]KindTemplate
	// LongTerm lists the templates WeChat grants as long-term
	// subscriptions (长期订阅): an accept keeps consent until the resident
	// turns it off, and a send spends nothing.
	LongTerm []string
	// Quiet is when routine subscribe messages wait for the morning.
	Quiet QuietHours
	// DailyCap is how many routine subscribe messages one resident is sent
	// per district day at most (0: no cap); what exceeds it stays in the
	// inbox.
	DailyCap int
}

// KindTemplate is the subscribe template of a kind of system message and
// how each of its keywords is filled.
type KindTemplate struct {
	TemplateID string
	// Fields maps each template keyword (e.g. "thing1") to its source:
	// "title", "body", "time" (when it is sent, district time) or one of
	// the kind's fields (KindFields).
	Fields map[string]string
}

// configured is a Config with its long-term templates as a set.
type configured struct {
	Config
	longTerm map[string]bool // templates whose consent is kept
}

// Configure sets how notices reach people. It may be called at any time
// (a setting changed at run time): what is deciding keeps the
// configuration it started with, and the next decision takes the new one.
func (s *Service) Configure(c Config) {
	n := &configured{Config: c, longTerm: map[string]bool{}}
	for _, t := range c.LongTerm {
		n.longTerm[t] = true
	}
	s.cfg.Store(n)
}

// Config returns how notices reach people now.
func (s *Service) Config() Config { return s.cfg.Load().Config }

func (s *Service) config() *configured { return s.cfg.Load() }

// kindFields are the values each kind of system message carries in
// DirectNotice.Data, besides its title and body, for its subscribe
// template; SendDirect requires them. None is text a member typed (no
// title, place, name or case reference): each is a number, a date or
// time, a grade, a code or a fixed result, checked by fieldRules, so no
// template mapping can carry staff-written text to WeChat.
var kindFields = map[SystemKind][]string{
	KindBenefitMatched:     {"uscc"},
	KindSurveyReminder:     {"date"},
	KindDeductionRecorded:  {"points", "deadline"},
	KindAppealDecided:      {"result"},
	KindCreditRecorded:     {"uscc", "date"},
	KindGradeChanged:       {"uscc", "old_grade", "new_grade"},
	KindObjectionDecided:   {"uscc", "result"},
	KindActivityCancelled:  {"start"},
	KindActivityPromoted:   {"start"},
	KindRequestAccepted:    {"request_no", "deadline"},
	KindRequestAnswered:    {"request_no"},
	KindRequestMerged:      {"request_no", "main_no"},
	KindEnterpriseReferral: {"uscc", "request_no", "deadline"},
	KindRequestExtended:    {"request_no", "deadline"},
	KindRequestRedone:      {"request_no", "deadline"},
	KindRepairDecided:      {"uscc", "result"},
	KindDeductionRepaired:  {"points"},
}

// kindTargets is the type of object each kind of system message is about
// (its DirectNotice.Target).
var kindTargets = map[SystemKind]string{
	KindBenefitMatched:     TargetBenefits,
	KindSurveyReminder:     TargetSurvey,
	KindDeductionRecorded:  TargetDeduction,
	KindAppealDecided:      TargetAppeal,
	KindCreditRecorded:     TargetEnterprise,
	KindGradeChanged:       TargetEnterprise,
	KindObjectionDecided:   TargetEnterprise,
	KindActivityCancelled:  TargetActivity,
	KindActivityPromoted:   TargetActivity,
	KindRequestAccepted:    TargetRequest,
	KindRequestAnswered:    TargetRequest,
	KindRequestMerged:      TargetRequest,
	KindEnterpriseReferral: TargetEnterprise,
	KindRequestExtended:    TargetRequest,
	KindRequestRedone:      TargetRequest,
	KindRepairDecided:      TargetEnterprise,
	KindDeductionRepaired:  TargetDeduction,
}

// The fixed results a "result" field may take.
const (
	ResultAppealUpheld     = "申诉成立，已撤销扣分"
	ResultAppealDismissed  = "申诉未获支持，维持扣分"
	ResultObjectionUpheld  = "异议成立"
	ResultObjectionDenied  = "异议不成立"
	ResultRepairApproved   = "信用修复通过"
	ResultRepairRejected   = "信用修复未通过"
	dateOrTime             = `^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2})?$`
	dataRule               = "须为数字、日期时间、等级、统一社会信用代码或固定结果，不能是工作人员填写的文字"
	resultPattern          = "^(" + ResultAppealUpheld + "|" + ResultAppealDismissed + "|" + ResultObjectionUpheld + "|" + ResultObjectionDenied + "|" + ResultRepairApproved + "|" + ResultRepairRejected + ")$"
	unifiedCreditCodeShape = `^[0-9A-Z]{18}$`
)

// fieldRules are the shapes of the kinds' fields.
var fieldRules = map[string]*regexp.Regexp{
	"uscc":       regexp.MustCompile(unifiedCreditCodeShape),
	"date":       regexp.MustCompile(dateOrTime),
	"deadline":   regexp.MustCompile(dateOrTime),
	"start":      regexp.MustCompile(dateOrTime),
	"points":     regexp.MustCompile(`^[0-9]{1,9}$`),
	"request_no": regexp.MustCompile(`^[0-9]{1,19}$`),
	"main_no":    regexp.MustCompile(`^[0-9]{1,19}$`),
	"old_grade":  regexp.MustCompile(`^[A-D]$`),
	"new_grade":  regexp.MustCompile(`^[A-D]$`),
	"result":     regexp.MustCompile(resultPattern),
}

// KindFields returns the fields a kind of system message carries in
// DirectNotice.Data; ok is false for an unknown kind.
func KindFields(k SystemKind) (fields []string, ok bool) {
	f, ok := kindFields[k]
	return slices.Clone(f), ok
}

// capExempt are the kinds about the resident's own affairs (their
// deduction, appeal, enterprise, activity, request): due process and
// personal business, never held back by the daily cap, which is for
// broadcasts. They still wait out quiet hours: none is an emergency.
var capExempt = map[SystemKind]bool{
	KindDeductionRecorded: true, KindAppealDecided: true, KindCreditRecorded: true, KindGradeChanged: true,
	KindObjectionDecided: true, KindActivityCancelled: true, KindActivityPromoted: true, KindRequestAccepted: true, KindRequestAnswered: true,
	KindRequestMerged: true, KindEnterpriseReferral: true,
	KindRequestExtended: true, KindRequestRedone: true,
	KindRepairDecided: true, KindDeductionRepaired: true,
}

// urgentCategories have a delivery lane of their own: their sends are
// claimed before any routine one, sent in quiet hours and never capped,
// and they may go out by SMS too.
var urgentCategories = []string{"warning", "health"}

// IsUrgent reports whether a notice category is urgent.
func IsUrgent(category string) bool { return slices.Contains(urgentCategories, category) }

var (
	keywordPattern = regexp.MustCompile(`^[a-z_]+[0-9]+$`)
	fieldPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// ParseTemplates reads IFUTIAN_WECHAT_TEMPLATES: entries separated by
// ";", each "kind=template_id:keyword=source,keyword=source", e.g.
// "deduction_recorded=TPL_A:thing1=title,number2=points,time3=time".
// A source is title, body, time or a field of the kind (KindFields); the
// title and body of a system message are fixed texts. (The fields that
// once quoted staff-written text, such as case_ref, activity or program,
// are refused: a configuration naming them stops the server.)
func ParseTemplates(s string) (map[SystemKind]KindTemplate, error) {
	out := map[SystemKind]KindTemplate{}
	for entry := range strings.SplitSeq(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		kind, rest, ok := strings.Cut(entry, "=")
		k := SystemKind(strings.TrimSpace(kind))
		if !ok {
			return nil, fmt.Errorf("%q: want kind=template_id:keyword=source,…", entry)
		}
		declared, known := kindFields[k]
		if !known {
			return nil, fmt.Errorf("%q: unknown kind (known: %s)", kind, strings.Join(knownKinds(), ", "))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%q: mapped twice", kind)
		}
		tpl, fields, ok := strings.Cut(rest, ":")
		tpl = strings.TrimSpace(tpl)
		if !templateIDPattern.MatchString(tpl) {
			return nil, fmt.Errorf("%s: %q is not a template ID", k, tpl)
		}
		if !ok || strings.TrimSpace(fields) == "" {
			return nil, fmt.Errorf("%s: name the template's keywords and their sources, e.g. %s=%s:thing1=title,time2=time", k, k, tpl)
		}
		kt := KindTemplate{TemplateID: tpl, Fields: map[string]string{}}
		for pair := range strings.SplitSeq(fields, ",") {
			kw, src, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok || !keywordPattern.MatchString(kw) {
				return nil, fmt.Errorf("%s: %q: want keyword=source with a keyword like thing1", k, pair)
			}
			if src != "title" && src != "body" && src != "time" && !slices.Contains(declared, src) {
				return nil, fmt.Errorf("%s: source %q: want title, body, time or one of %s", k, src, strings.Join(declared, ", "))
			}
			kt.Fields[kw] = src
		}
		out[k] = kt
	}
	return out, nil
}

// FormatTemplates writes templates in ParseTemplates' syntax, kinds and
// keywords sorted.
func FormatTemplates(t map[SystemKind]KindTemplate) string {
	kinds := make([]string, 0, len(t))
	for k := range t {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	entries := make([]string, 0, len(kinds))
	for _, k := range kinds {
		kt := t[SystemKind(k)]
		kws := make([]string, 0, len(kt.Fields))
		for kw := range kt.Fields {
			kws = append(kws, kw)
		}
		sort.Strings(kws)
		pairs := make([]string, len(kws))
		for i, kw := range kws {
			pairs[i] = kw + "=" + kt.Fields[kw]
		}
		entries = append(entries, k+"="+kt.TemplateID+":"+strings.Join(pairs, ","))
	}
	return strings.Join(entries, ";")
}

func knownKinds() []string {
	var ks []string
	for k := range kindFields {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return ks
}

// ParseTemplateList reads a comma-separated list of template IDs
// (IFUTIAN_WECHAT_LONG_TERM).
func ParseTemplateList(s string) ([]string, error) {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !templateIDPattern.MatchString(t) {
			return nil, fmt.Errorf("%q is not a template ID", t)
		}
		out = append(out, t)
	}
	return out, nil
}

// QuietHours is a daily window of district time in which routine subscribe
// messages are held until it ends. Start == End means none.
type QuietHours struct {
	Start, End time.Duration // since midnight
}

// ParseQuietHours reads "22:00-08:00" (the window may span midnight) or
// "off".
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "" {
		return QuietHours{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q: want HH:MM-HH:MM (e.g. 22:00-08:00) or off", s)
	}
	clock := func(v string) (time.Duration, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%q: want HH:MM-HH:MM (e.g. 22:00-08:00) or off", s)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	start, err := clock(a)
	if err != nil {
		return QuietHours{}, err
	}
	end, err := clock(b)
	if err != nil {
		return QuietHours{}, err
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("%q: start and end are the same; use off for none", s)
	}
	return QuietHours{Start: start, End: end}, nil
}

// DefaultQuietHours is 22:00–08:00.
var DefaultQuietHours = QuietHours{Start: 22 * time.Hour, End: 8 * time.Hour}

// Until reports whether t falls in the quiet hours and, if it does, when
// they end.
func (q QuietHours) Until(t time.Time) (time.Time, bool) {
	if q.Start == q.End {
		return time.Time{}, false
	}
	midnight := district.DayStart(t)
	off := t.Sub(midnight)
	switch {
	case q.Start < q.End && off >= q.Start && off < q.End:
		return midnight.Add(q.End), true
	case q.Start > q.End && off >= q.Start:
		return midnight.Add(24*time.Hour + q.End), true
	case q.Start > q.End && off < q.End:
		return midnight.Add(q.End), true
	}
	return time.Time{}, false
}

// String writes the window as ParseQuietHours reads it.
func (q QuietHours) String() string {
	if q.Start == q.End {
		return "off"
	}
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(q.Start) + "-" + f(q.End)
}
