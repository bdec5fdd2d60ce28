package enterprises

import (
	"fmt"
	"time"

	"github.com/futian/ifutian/enterprises/members"
)

// The scoring model, in one place. Changing any number here is a new
// model: bump ModelVersion, so every stored rating keeps saying which rules
// produced it.
//
// Model 2026.1:
//   - Every enterprise starts at BaseScore (85, grade B: "no adverse record").
//   - Each credit record that counts (not expired, not removed by an upheld
//     objection, already occurred) adds Points[kind][severity]: negative for
//     penalty, commitment_breach, arrears and complaint; positive for honor
//     and tax_grade (an A-grade taxpayer rating; severity is read as the
//     weight of the distinction: minor = district, general = city,
//     serious = provincial or national).
//   - The sum is clamped to 0–100 and banded: A ≥ 90, B ≥ 75, C ≥ 60, else D.
//
// Publication periods follow the national credit-repair rules (国家发展改革委
// 《失信行为纠正后的信用信息修复管理办法（试行）》): a record counts until its
// expires_at; by default minor records count 3 months, general 1 year and
// serious 3 years from occurrence. A given expires_at must lie in the
// severity's window (minor up to 3 months; general 3 months to 1 year;
// serious 1 to 3 years); positive records may count for up to 3 years.
//
// A rating is valid until the first of: the next expiry of a record it
// counts, or RatingPeriod after it was given. The re-rating worker re-rates
// every enterprise whose rating is no longer valid, so expiries take effect
// within a worker interval (at most a day) and every enterprise is
// re-confirmed at least every RatingPeriod.
const (
	ModelVersion = "2026.1"
	BaseScore    = 85
	RatingPeriod = 90 * 24 * time.Hour
)

// Kind is a credit record's kind.
type Kind string

// Kinds of credit records.
const (
	KindPenalty          Kind = "penalty"
	KindCommitmentBreach Kind = "commitment_breach"
	KindArrears          Kind = "arrears"
	KindComplaint        Kind = "complaint"
	KindHonor            Kind = "honor"
	KindTaxGrade         Kind = "tax_grade"
)

// Enum lists the kinds, in order.
func (Kind) Enum() []string { return members.Kinds() }

// Severity is a credit record's severity (for honor and tax_grade: the
// weight of the distinction).
type Severity string

// Severities of credit records.
const (
	Minor   Severity = "minor"
	General Severity = "general"
	Serious Severity = "serious"
)

// Enum lists the severities, lightest first.
func (Severity) Enum() []string { return members.Severities() }

// Grade is a rating's grade, A best.
type Grade string

// Grades lists the grades, best first.
var Grades = []Grade{"A", "B", "C", "D"}

// Enum lists the grades, best first.
func (Grade) Enum() []string { return []string{"A", "B", "C", "D"} }

// Points is the score change of one counting record, by kind and severity.
var Points = map[Kind]map[Severity]int{
	KindPenalty:          {Minor: -5, General: -15, Serious: -30},
	KindCommitmentBreach: {Minor: -5, General: -12, Serious: -25},
	KindArrears:          {Minor: -3, General: -10, Serious: -20},
	KindComplaint:        {Minor: -2, General: -5, Serious: -10},
	KindHonor:            {Minor: 2, General: 5, Serious: 10},
	KindTaxGrade:         {Minor: 3, General: 5, Serious: 8},
}

// kindNames are the kinds' names for reasons shown to the enterprise.
var kindNames = map[Kind]string{
	KindPenalty: "行政处罚", KindCommitmentBreach: "信用承诺未履行", KindArrears: "欠缴款项",
	KindComplaint: "经核实的投诉", KindHonor: "表彰荣誉", KindTaxGrade: "纳税信用A级",
}

var severityNames = map[Severity]string{Minor: "轻微", General: "一般", Serious: "严重"}

// publication is the window a record's expiry must lie in, after occurrence.
type publication struct{ min, max, def time.Duration }

const (
	month = 30 * 24 * time.Hour
	year  = 365 * 24 * time.Hour
)

var negativeWindows = map[Severity]publication{
	Minor:   {min: 0, max: 3 * month, def: 3 * month},
	General: {min: 3 * month, max: year, def: year},
	Serious: {min: year, max: 3 * year, def: 3 * year},
}

// positive reports whether a kind raises the score.
func positive(kind Kind) bool { return Points[kind][Minor] > 0 }

// window returns the publication window of a record.
func window(kind Kind, severity Severity) publication {
	if positive(kind) {
		return publication{min: 0, max: 3 * year, def: negativeWindows[severity].def}
	}
	return negativeWindows[severity]
}

// GradeOf bands a score into a grade.
func GradeOf(score int) Grade {
	switch {
	case score >= 90:
		return "A"
	case score >= 75:
		return "B"
	case score >= 60:
		return "C"
	}
	return "D"
}

// reasonFor explains one factor to the enterprise.
func reasonFor(kind Kind, severity Severity, caseRef string, points int) string {
	r := fmt.Sprintf("%s（%s）", kindNames[kind], severityNames[severity])
	if caseRef != "" {
		r += "，文号 " + caseRef
	}
	if points < 0 {
		return r + fmt.Sprintf("，扣 %d 分", -points)
	}
	return r + fmt.Sprintf("，加 %d 分", points)
}

// Factor is one credit record's part in a rating.
type Factor struct {
	ID         int64     `json:"id,string" doc:"the credit record's ID (use it as factor_id in an objection)"`
	Kind       Kind      `json:"kind"`
	Severity   Severity  `json:"severity"`
	Points     int       `json:"points" doc:"score change, negative for deductions"`
	Reason     string    `json:"reason" doc:"Chinese explanation for the enterprise, e.g. 行政处罚（一般），文号 …，扣 15 分"`
	OccurredAt time.Time `json:"occurred_at"`
	RecordedAt time.Time `json:"recorded_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// score applies the model to the records that count at now: it returns the
// score, the grade, the factors and when the rating stops being valid.
func score(records []CreditRecord, now time.Time) (int, Grade, []Factor, time.Time) {
	total := BaseScore
	validUntil := now.Add(RatingPeriod)
	factors := []Factor{}
	for _, r := range records {
		if r.RevokedAt != nil || !r.ExpiresAt.After(now) || r.OccurredAt.After(now) {
			continue
		}
		p := Points[r.Kind][r.Severity]
		total += p
		factors = append(factors, Factor{
			ID: r.ID, Kind: r.Kind, Severity: r.Severity, Points: p,
			Reason:     reasonFor(r.Kind, r.Severity, r.CaseRef, p),
			OccurredAt: r.OccurredAt, RecordedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		})
		if r.ExpiresAt.Before(validUntil) {
			validUntil = r.ExpiresAt
		}
	}
	total = max(0, min(100, total))
	return total, GradeOf(total), factors, validUntil
}

// Name is the kind's Chinese name (as in the reasons shown to an enterprise).
func (k Kind) Name() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return string(k)
}

// Name is the severity's Chinese name.
func (s Severity) Name() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return string(s)
}
