package enterprises

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// CreditRecord is a fact a department recorded about an enterprise. It
// counts towards ratings from OccurredAt until ExpiresAt (its publication
// period), unless an upheld objection removed it (RevokedAt).
type CreditRecord struct {
	ID           int64      `json:"id,string"`
	EnterpriseID int64      `json:"-"`
	Kind         Kind       `json:"kind"`
	Severity     Severity   `json:"severity"`
	OccurredAt   time.Time  `json:"occurred_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	CaseRef      string     `json:"case_ref"`
	CaseKey      *string    `json:"-"` // text.Key(CaseRef) while it holds its case (unique per enterprise and kind); nil without one
	Note         string     `json:"note"`
	DepartmentID *int64     `json:"department_id,string"`
	StaffID      int64      `json:"staff_id,string"`
	RevokedAt    *time.Time `json:"revoked_at"`
	CreatedAt    time.Time  `json:"recorded_at"`
}

// TableName maps CreditRecord to the credit_records table.
func (CreditRecord) TableName() string { return "credit_records" }

// ErrCaseConflict is a credit record citing a case already recorded for the
// enterprise and kind with other content.
var ErrCaseConflict = apperr.New(apperr.Conflict, "该案号已登记过内容不同的同类信用记录")

// NewCreditRecord is the input for Record. A zero ExpiresAt takes the
// severity's default publication period. CaseRef names the case (the
// decision's document number): one case, one record.
type NewCreditRecord struct {
	USCC       string    `json:"uscc" binding:"required" example:"914403001922038216"`
	Kind       Kind      `json:"kind" binding:"required"`
	Severity   Severity  `json:"severity" binding:"required"`
	OccurredAt time.Time `json:"-"`
	ExpiresAt  time.Time `json:"-"`
	CaseRef    string    `json:"case_ref" binding:"max=128" example:"深福市监罚〔2026〕12号" doc:"the case's reference (the decision's document number); one case, one record per enterprise and kind"`
	Note       string    `json:"note" binding:"max=1000"`
}

// maxCaseKey is the case_key column's size (VARCHAR(128)): a case
// reference's key (text.Key) must fit it.
const maxCaseKey = 128

// clockSkew is how far in the future an occurrence time may lie (clients'
// clocks drift); such a time is taken as now.
const clockSkew = 5 * time.Minute

// Validate checks the record against the publication rules and fills the
// default expiry; it returns an invalid_argument error naming bad fields.
func (n *NewCreditRecord) Validate(now time.Time) error {
	fields := tagged(n)
	if _, bad := fields["uscc"]; !bad {
		code, err := NormalizeUSCC("uscc", n.USCC)
		if err != nil {
			fields["uscc"] = err.(*apperr.Error).Fields["uscc"]
		}
		n.USCC = code
	}
	switch {
	case n.OccurredAt.IsZero():
		fields["occurred_at"] = "必填"
	case n.OccurredAt.After(now.Add(clockSkew)):
		fields["occurred_at"] = "不能晚于当前时间"
	case n.OccurredAt.After(now):
		n.OccurredAt = now
	}
	// Microseconds are what both databases keep: a repeat compares equal.
	n.OccurredAt = n.OccurredAt.UTC().Truncate(time.Microsecond)
	checkText(fields, "case_ref", &n.CaseRef, false)
	switch k := text.Key(n.CaseRef); {
	case k == "":
		n.CaseRef = "" // only format characters: no case
	case utf8.RuneCountInString(k) > maxCaseKey:
		// NFKC may lengthen a reference the tag let through.
		fields["case_ref"] = fmt.Sprintf("规范化后不能超过 %d 字", maxCaseKey)
	}
	checkText(fields, "note", &n.Note, true)
	if len(fields) == 0 {
		w := window(n.Kind, n.Severity)
		if n.ExpiresAt.IsZero() {
			n.ExpiresAt = n.OccurredAt.Add(w.def)
		}
		n.ExpiresAt = n.ExpiresAt.UTC().Truncate(time.Microsecond)
		d := n.ExpiresAt.Sub(n.OccurredAt)
		switch {
		case d <= 0:
			fields["expires_at"] = "须晚于 occurred_at"
		case d < w.min:
			fields["expires_at"] = fmt.Sprintf("%s记录的公示期不能短于 %d 天", severityNames[n.Severity], int(w.min/(24*time.Hour)))
		case d > w.max:
			fields["expires_at"] = fmt.Sprintf("%s记录的公示期不能超过 %d 天", severityNames[n.Severity], int(w.max/(24*time.Hour)))
		}
	}
	return apperr.Fields(fields)
}

// RecordResult is a written credit record and the rating it produced.
type RecordResult struct {
	CreditRecord
	USCC   string `json:"uscc"`
	Rating Rating `json:"rating" doc:"the rating produced at once by this record (the current one on a repeat)"`
}

// Record writes a credit record for the member's department and re-rates
// the enterprise at once. Credit officers of any department may write;
// street-scoped members only for enterprises in their streets.
//
// A record citing a case is idempotent on (enterprise, kind, case): a
// repeat with the same content (severity, dates, note, department) returns
// the first record with the enterprise's current rating, writes nothing
// and reports created false. A record citing no case is always new.
//
// Returns an invalid_argument error for bad fields, ErrNotFound for an
// unknown enterprise or one outside the member's streets, and
// ErrCaseConflict for a case recorded with other content.
func (s *Service) Record(ctx context.Context, by *staff.Member, n NewCreditRecord) (res *RecordResult, created bool, err error) {
	if err := n.Validate(s.now().UTC()); err != nil {
		return nil, false, err
	}
	e, err := s.FindByUSCC(ctx, n.USCC)
	if err != nil {
		return nil, false, err
	}
	scope := by.Scope()
	if !scope.CoversStreet(e.Street) {
		return nil, false, ErrNotFound
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		res, created, err = s.recordTx(ctx, tx, by, e, n)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.noticesNow(ctx, "enterprise_id = ?", e.ID)
	}
	return res, created, nil
}

// findCase returns the record holding a case for an enterprise and kind,
// locked, or nil if there is none (or no case is named). Case references
// are compared by text.Key, so look-alike spellings are one case.
func findCase(tx *gorm.DB, enterpriseID int64, kind Kind, caseRef string) (*CreditRecord, error) {
	if caseRef == "" {
		return nil, nil
	}
	var recs []CreditRecord
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("enterprise_id = ? AND kind = ? AND case_key = ?", enterpriseID, kind, text.Key(caseRef)).Limit(1).Find(&recs).Error
	if err != nil {
		return nil, fmt.Errorf("find case: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return &recs[0], nil
}

// caseOutcome is what Record does with a new record, given the case.
type caseOutcome int

const (
	caseNew      caseOutcome = iota // no record holds the case: write one
	caseRepeat                      // the same record again: answer with the first
	caseConflict                    // the case holds a record with other content
)

// decideRecord decides a validated new record n of department dept against
// prev, the record already holding its case (nil: none).
func decideRecord(prev *CreditRecord, n NewCreditRecord, dept *int64) caseOutcome {
	if prev == nil {
		return caseNew
	}
	sameDept := (prev.DepartmentID == nil) == (dept == nil) && (dept == nil || *prev.DepartmentID == *dept)
	if prev.Severity == n.Severity && prev.OccurredAt.Equal(n.OccurredAt) && prev.ExpiresAt.Equal(n.ExpiresAt) &&
		prev.Note == n.Note && sameDept {
		return caseRepeat
	}
	return caseConflict
}

// recordTx writes one credit record of enterprise e in tx (Record's and
// ImportCredit's step): a repeat of a recorded case answers it unchanged
// (created false).
func (s *Service) recordTx(ctx context.Context, tx *gorm.DB, by *staff.Member, e *Enterprise, n NewCreditRecord) (res *RecordResult, created bool, err error) {
	dept := by.Scope().Department()
	// Records of one enterprise are written one at a time: the
	// lock makes the case look-up and the insert one step.
	if err := lockEnterprise(tx, e.ID); err != nil {
		return nil, false, err
	}
	prev, err := findCase(tx, e.ID, n.Kind, n.CaseRef)
	if err != nil {
		return nil, false, err
	}
	switch decideRecord(prev, n, dept) {
	case caseConflict:
		return nil, false, ErrCaseConflict
	case caseRepeat:
		r, err := latestRating(tx, e.ID)
		if err != nil {
			return nil, false, err
		}
		res = &RecordResult{CreditRecord: *prev, USCC: e.USCC, Rating: *r}
		staff.AuditDetail(ctx, "credit record "+strconv.FormatInt(prev.ID, 10)+" for "+e.USCC+" (repeat)")
		return res, false, nil
	}
	rec := CreditRecord{
		EnterpriseID: e.ID, Kind: n.Kind, Severity: n.Severity, OccurredAt: n.OccurredAt, ExpiresAt: n.ExpiresAt,
		CaseRef: n.CaseRef, Note: n.Note, DepartmentID: dept, StaffID: by.ID, CreatedAt: s.now().UTC(),
	}
	if n.CaseRef != "" {
		k := text.Key(n.CaseRef)
		rec.CaseKey = &k
	}
	if err := tx.Create(&rec).Error; err != nil {
		if db.IsDuplicate(err) {
			// The case was recorded since our look-up: decide
			// again on a fresh one.
			return nil, false, fmt.Errorf("create credit record: %w", db.ErrSerialization)
		}
		return nil, false, fmt.Errorf("create credit record: %w", err)
	}
	if err := s.tellMembersTx(tx, e.ID, creditNotice(e, &rec)); err != nil {
		return nil, false, err
	}
	r, err := s.rateTx(tx, e.ID, CauseRecord)
	if err != nil {
		return nil, false, err
	}
	res, created = &RecordResult{CreditRecord: rec, USCC: e.USCC, Rating: *r}, true
	staff.AuditTarget(ctx, "credit-records", strconv.FormatInt(rec.ID, 10))
	staff.AuditDetail(ctx, "credit record "+strconv.FormatInt(rec.ID, 10)+" for "+e.USCC)
	return res, created, nil
}
