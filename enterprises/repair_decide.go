package enterprises

import "time"

// 信用修复 (issue 29): an enterprise repairs a minor or general adverse
// credit record of its own by completing the recording department's course
// (a quiz passed by a bound member, and a written commitment, 信用承诺书);
// the department reviews it, and an approval ends the record's publication
// period early: at once, or, while the severity's shortest publication
// period (《失信行为纠正后的信用信息修复管理办法（试行）》: general 3
// months) has not passed, when it does. Serious records are never
// repairable.

// RepairBlock says why a record cannot be repaired ("" when it can).
type RepairBlock string

// Why a record cannot be repaired.
const (
	BlockNone       RepairBlock = ""
	BlockNotAdverse RepairBlock = "not_adverse" // honor and tax_grade raise the score: nothing to repair
	BlockSerious    RepairBlock = "serious"     // serious records are never repairable
	BlockRevoked    RepairBlock = "revoked"     // an upheld objection removed it
	BlockNotCounted RepairBlock = "not_counted" // its publication period is over (or it has not begun)
	BlockRepaired   RepairBlock = "repaired"    // a repair of it was approved: once
	BlockNoCourse   RepairBlock = "no_course"   // its department defined no course for its kind
)

// Enum lists the blocks a view may carry ("" is none).
func (RepairBlock) Enum() []string {
	return []string{"", string(BlockNotAdverse), string(BlockSerious), string(BlockRevoked), string(BlockNotCounted),
		string(BlockRepaired), string(BlockNoCourse)}
}

// repairFacts are what decides whether a record may be repaired.
type repairFacts struct {
	Kind       Kind
	Severity   Severity
	OccurredAt time.Time
	ExpiresAt  time.Time
	Revoked    bool
	Repaired   bool // an approved repair of it exists
	HasCourse  bool // its department has a course for its kind
}

// repairDecision is decideRepair's answer: whether the record may be
// repaired now and, if a repair were approved now, when its publication
// would end.
type repairDecision struct {
	Repairable bool
	Block      RepairBlock
	EndsAt     time.Time
}

// decideRepair decides whether a record may be repaired at now. The order
// of the checks is what a member is told first: what the record is, then
// where it stands, then whether the department offers a course.
func decideRepair(f repairFacts, now time.Time) repairDecision {
	switch {
	case positive(f.Kind):
		return repairDecision{Block: BlockNotAdverse}
	case f.Severity != Minor && f.Severity != General:
		return repairDecision{Block: BlockSerious}
	case f.Revoked:
		return repairDecision{Block: BlockRevoked}
	case f.Repaired:
		return repairDecision{Block: BlockRepaired}
	case !f.ExpiresAt.After(now) || f.OccurredAt.After(now):
		return repairDecision{Block: BlockNotCounted}
	case !f.HasCourse:
		return repairDecision{Block: BlockNoCourse}
	}
	ends := now
	if shortest := f.OccurredAt.Add(window(f.Kind, f.Severity).min); shortest.After(ends) {
		ends = shortest
	}
	if ends.After(f.ExpiresAt) {
		ends = f.ExpiresAt
	}
	return repairDecision{Repairable: true, EndsAt: ends}
}
