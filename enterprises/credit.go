package enterprises

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// CreditRecord is a fact a department recorded about an enterprise. It
// counts towards ratings from OccurredAt until ExpiresAt (its publication
// period), unless an upheld objection removed it (RevokedAt).
type CreditRecord struct {
	ID           int64      `json:"id,string"`
	EnterpriseID int64      `json:"-"`
	Kind         string     `json:"kind"`
	Severity     string     `json:"severity"`
	OccurredAt   time.Time  `json:"occurred_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	CaseRef      string     `json:"case_ref"`
	Note         string     `json:"note"`
	DepartmentID *int64     `json:"department_id,string"`
	StaffID      int64      `json:"staff_id,string"`
	RevokedAt    *time.Time `json:"revoked_at"`
	CreatedAt    time.Time  `json:"recorded_at"`
}

// TableName maps CreditRecord to the credit_records table.
func (CreditRecord) TableName() string { return "credit_records" }

// NewCreditRecord is the input for Record. A zero ExpiresAt takes the
// severity's default publication period.
type NewCreditRecord struct {
	USCC       string
	Kind       string
	Severity   string
	OccurredAt time.Time
	ExpiresAt  time.Time
	CaseRef    string
	Note       string
}

// clockSkew is how far in the future an occurrence time may lie (clients'
// clocks drift); such a time is taken as now.
const clockSkew = 5 * time.Minute

// Validate checks the record against the publication rules and fills the
// default expiry; it returns an invalid_argument error naming bad fields.
func (n *NewCreditRecord) Validate(now time.Time) error {
	fields := map[string]string{}
	code, err := NormalizeUSCC("uscc", n.USCC)
	if err != nil {
		fields["uscc"] = err.(*apperr.Error).Fields["uscc"]
	}
	n.USCC = code
	if !slices.Contains(Kinds, n.Kind) {
		fields["kind"] = "须为以下之一: " + strings.Join(Kinds, " ")
	}
	if !slices.Contains(Severities, n.Severity) {
		fields["severity"] = "须为以下之一: " + strings.Join(Severities, " ")
	}
	switch {
	case n.OccurredAt.IsZero():
		fields["occurred_at"] = "必填"
	case n.OccurredAt.After(now.Add(clockSkew)):
		fields["occurred_at"] = "不能晚于当前时间"
	case n.OccurredAt.After(now):
		n.OccurredAt = now
	}
	n.OccurredAt = n.OccurredAt.UTC()
	if utf8.RuneCountInString(n.CaseRef) > 128 {
		fields["case_ref"] = "不能超过 128 字"
	}
	if utf8.RuneCountInString(n.Note) > 1000 {
		fields["note"] = "不能超过 1000 字"
	}
	if len(fields) == 0 {
		w := window(n.Kind, n.Severity)
		if n.ExpiresAt.IsZero() {
			n.ExpiresAt = n.OccurredAt.Add(w.def)
		}
		n.ExpiresAt = n.ExpiresAt.UTC()
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
	USCC   string  `json:"uscc"`
	Rating *Rating `json:"rating"`
}

// Record writes a credit record for the member's department and re-rates
// the enterprise at once. Credit officers of any department may write;
// street-scoped members only for enterprises in their streets. Returns an
// invalid_argument error for bad fields and ErrNotFound for an unknown
// enterprise or one outside the member's streets.
func (s *Service) Record(ctx context.Context, by *staff.Member, n NewCreditRecord) (*RecordResult, error) {
	if err := n.Validate(s.now().UTC()); err != nil {
		return nil, err
	}
	e, err := s.FindByUSCC(ctx, n.USCC)
	if err != nil {
		return nil, err
	}
	scope := by.Scope()
	if !scope.CoversStreet(e.Street) {
		return nil, ErrNotFound
	}
	var res *RecordResult
	err = db.Retry(ctx, 5, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := lockEnterprise(tx, e.ID); err != nil {
				return err
			}
			rec := CreditRecord{
				EnterpriseID: e.ID, Kind: n.Kind, Severity: n.Severity, OccurredAt: n.OccurredAt, ExpiresAt: n.ExpiresAt,
				CaseRef: strings.TrimSpace(n.CaseRef), Note: strings.TrimSpace(n.Note),
				DepartmentID: scope.Department(), StaffID: by.ID, CreatedAt: s.now().UTC(),
			}
			if err := tx.Create(&rec).Error; err != nil {
				return fmt.Errorf("create credit record: %w", err)
			}
			r, err := s.rateTx(tx, e.ID, CauseRecord)
			if err != nil {
				return err
			}
			res = &RecordResult{CreditRecord: rec, USCC: e.USCC, Rating: r}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.notifyPending(ctx, e.ID)
	return res, nil
}
