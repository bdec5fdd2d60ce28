package points

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// ResidentBrief is what officers' lists show of a resident: enough to tell
// who it is (the phone masked), no more; empty strings for a deleted
// resident.
type ResidentBrief struct {
	ID          int64  `json:"id,string"`
	Nickname    string `json:"nickname" doc:"\"\" for a deleted resident, as are the others"`
	PhoneMasked string `json:"phone_masked" doc:"the phone masked, no more" example:"138****5678"`
	Street      string `json:"street"`
}

// AppealRef is the appeal filed against a deduction (an alias of an
// unnamed struct: the document states it in place, nullable).
type AppealRef = struct {
	ID     int64        `json:"id,string"`
	Status AppealStatus `json:"status"`
}

// Deduction is a deduction as officers list it: the ledger row (with its
// case reference, reason and appeal deadline), the resident, who recorded
// it and the appeal against it, if any.
type Deduction struct {
	ID             int64         `json:"id,string"`
	ResidentID     int64         `json:"resident_id,string"`
	Delta          int64         `json:"delta" doc:"negative: the points deducted"`
	BalanceAfter   int64         `json:"balance_after" doc:"the balance right after it"`
	Kind           Kind          `json:"kind" doc:"always deduct"`
	RuleCode       *string       `json:"rule_code" doc:"the deduction rule it names; null: none"`
	CaseRef        string        `json:"case_ref" doc:"the enforcement case"`
	Reason         string        `json:"reason"`
	CreatedAt      time.Time     `json:"created_at"`
	ExpiresAt      *time.Time    `json:"expires_at" doc:"always null for a deduction"`
	AppealDeadline time.Time     `json:"appeal_deadline" doc:"when the right to appeal it ends (exclusive): midnight, district time, after the 30th day following the deduction's; an appeal from then on is 409 with details.reason appeal_window_closed"`
	Resident       ResidentBrief `json:"resident"`
	RecordedBy     string        `json:"recorded_by" doc:"the officer's username; \"\" when recorded by the system"`
	Appeal         *AppealRef    `json:"appeal" doc:"the appeal against it; null: none filed"`
	Repair         *RepairView   `json:"repair" doc:"its repair course (学法修复) and where it stands: whether the resident started it, when they repaired it and what was restored; null: its rule offers none"`
}

// DeductionFilter selects deductions for FindDeductions. Zero fields do not
// filter.
type DeductionFilter struct {
	CaseRef    string     // exactly this case reference
	ResidentID int64      // this resident's
	Since      *time.Time // recorded at or after
	Until      *time.Time // recorded before
	Before     int64      // cursor: deductions with a smaller ID
	Limit      int
}

// checkRange names until when it is not after since.
func checkRange(since, until *time.Time) error {
	if since != nil && until != nil && !until.After(*since) {
		return apperr.Field("until", "须晚于 since")
	}
	return nil
}

// FindDeductions lists the deductions in actor's scope (their
// departments' deductions of residents on their streets), newest first,
// and the cursor of the next page (0 on the last).
func (s *Service) FindDeductions(ctx context.Context, actor *staff.Member, f DeductionFilter) ([]Deduction, int64, error) {
	q, err := s.deductionQuery(ctx, actor, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Before > 0 {
		q = q.Where("t.id < ?", f.Before)
	}
	var rows []struct {
		Transaction
		ResidentNickname    string
		ResidentPhoneMasked string
		ResidentStreet      string
		RecordedBy          string
		AppealID            *int64
		AppealStatus        *AppealStatus
	}
	if err := q.Order("t.id DESC").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("find deductions: %w", err)
	}
	out := make([]Deduction, len(rows))
	for i, r := range rows {
		t := r.Transaction
		withDeadline(&t)
		out[i] = Deduction{
			ID: t.ID, ResidentID: t.ResidentID, Delta: t.Delta, BalanceAfter: t.BalanceAfter, Kind: t.Kind, RuleCode: t.RuleCode,
			CaseRef: strOf(t.CaseRef), Reason: t.Reason, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
			Resident:   ResidentBrief{ID: t.ResidentID, Nickname: r.ResidentNickname, PhoneMasked: r.ResidentPhoneMasked, Street: r.ResidentStreet},
			RecordedBy: r.RecordedBy,
		}
		if t.AppealDeadline != nil {
			out[i].AppealDeadline = *t.AppealDeadline
		}
		if r.AppealID != nil && r.AppealStatus != nil {
			out[i].Appeal = &AppealRef{ID: *r.AppealID, Status: *r.AppealStatus}
		}
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	rs, appeals, err := repairsOf(s.db.WithContext(ctx), ids)
	if err != nil {
		return nil, 0, fmt.Errorf("find deductions: %w", err)
	}
	now := s.now().UTC()
	for i := range out {
		if r := rs[out[i].ID]; r != nil {
			out[i].Repair = r.view(appeals[out[i].ID], now)
		}
	}
	return pageOf(out, f.Limit, func(d Deduction) int64 { return d.ID })
}

// CountDeductions counts the deductions FindDeductions lists for f over
// all pages, up to db.CountCap (more: true beyond).
func (s *Service) CountDeductions(ctx context.Context, actor *staff.Member, f DeductionFilter) (n int64, more bool, err error) {
	q, err := s.deductionQuery(ctx, actor, f)
	if err != nil {
		return 0, false, err
	}
	return db.CountUpTo(q)
}

// deductionQuery selects the deductions f selects in actor's scope, on
// every page.
func (s *Service) deductionQuery(ctx context.Context, actor *staff.Member, f DeductionFilter) (*gorm.DB, error) {
	f.CaseRef = strings.TrimSpace(f.CaseRef)
	if err := checkRange(f.Since, f.Until); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("point_transactions t").
		Select(`t.*, COALESCE(`+residents.NicknameColumn("r")+`, '') AS resident_nickname, COALESCE(`+residents.PhoneMaskedColumn("r")+`, '') AS resident_phone_masked,
COALESCE(`+residents.StreetColumn("r")+`, '') AS resident_street, COALESCE(m.username, '') AS recorded_by, p.id AS appeal_id, p.status AS appeal_status`).
		Joins(residents.Join("r", "t.resident_id")).
		Joins("LEFT JOIN staff m ON m.id = t.staff_id").
		Joins("LEFT JOIN point_appeals p ON p.transaction_id = t.id").
		Where("t.kind = ?", Deduct)
	q = actor.Scope().Filter(q, staff.Columns{Street: residents.StreetColumn("r"), Department: "t.department_id"})
	if f.CaseRef != "" {
		q = q.Where("t.case_ref = ?", f.CaseRef)
	}
	if f.ResidentID > 0 {
		q = q.Where("t.resident_id = ?", f.ResidentID)
	}
	return timeRange(q, "t.created_at", f.Since, f.Until), nil
}

// AppealDeduction is the deduction an appeal is against.
type AppealDeduction struct {
	Points         int64     `json:"points" doc:"points deducted"`
	CaseRef        string    `json:"case_ref"`
	Reason         string    `json:"reason" doc:"the officer's reason for the deduction"`
	CreatedAt      time.Time `json:"created_at"`
	AppealDeadline time.Time `json:"appeal_deadline" doc:"when the right to appeal ended or ends (exclusive)"`
}

// AppealView is an appeal with the deduction it is against, as its
// resident lists it.
type AppealView struct {
	Appeal
	Deduction AppealDeduction `json:"deduction"`
}

// AdminAppeal is an appeal in the officers' queue: with the deduction it
// is against and the resident who filed it.
type AdminAppeal struct {
	Appeal
	Deduction AppealDeduction `json:"deduction"`
	Resident  ResidentBrief   `json:"resident" doc:"who filed it"`
	Repair    *RepairView     `json:"repair" doc:"the deduction's repair course (学法修复) and where it stands (repaired: an approval gives back only the rest); null: its rule offers none"`
}

// AppealFilter selects appeals for FindAppeals. Zero fields do not filter.
type AppealFilter struct {
	Status AppealStatus // this status only
	Since  *time.Time   // filed at or after
	Until  *time.Time   // filed before
	After  int64        // cursor: appeals with a greater ID
	Limit  int
}

// appealRow is an appeal as the lists read it, joined with its deduction
// and resident.
type appealRow struct {
	Appeal
	DeductionDelta      int64
	DeductionCaseRef    *string
	DeductionReason     string
	DeductionCreatedAt  time.Time
	DeductionDeadline   *time.Time
	ResidentNickname    string
	ResidentPhoneMasked string
	ResidentStreet      string
}

var appealColumns = `a.*, t.delta AS deduction_delta, t.case_ref AS deduction_case_ref, t.reason AS deduction_reason,
t.created_at AS deduction_created_at, t.appeal_deadline AS deduction_deadline,
COALESCE(` + residents.NicknameColumn("r") + `, '') AS resident_nickname, COALESCE(` + residents.PhoneMaskedColumn("r") + `, '') AS resident_phone_masked,
COALESCE(` + residents.StreetColumn("r") + `, '') AS resident_street`

func (r appealRow) view() AppealView {
	d := Transaction{Kind: Deduct, CreatedAt: r.DeductionCreatedAt, AppealDeadline: r.DeductionDeadline}
	return AppealView{Appeal: r.Appeal, Deduction: AppealDeduction{
		Points: -r.DeductionDelta, CaseRef: strOf(r.DeductionCaseRef), Reason: r.DeductionReason,
		CreatedAt: r.DeductionCreatedAt.UTC(), AppealDeadline: deadlineOf(&d),
	}}
}

func (r appealRow) admin() AdminAppeal {
	v := r.view()
	return AdminAppeal{Appeal: v.Appeal, Deduction: v.Deduction,
		Resident: ResidentBrief{ID: r.ResidentID, Nickname: r.ResidentNickname, PhoneMasked: r.ResidentPhoneMasked, Street: r.ResidentStreet}}
}

func (s *Service) appealQuery(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("point_appeals a").Select(appealColumns).
		Joins("JOIN point_transactions t ON t.id = a.transaction_id").
		Joins(residents.Join("r", "a.resident_id"))
}

// FindAppeals is the appeals queue of actor: appeals against deductions of
// their departments by residents of their streets, oldest first, and the
// cursor of the next page (0 on the last). Returns an invalid_argument
// naming status for an unknown status.
func (s *Service) FindAppeals(ctx context.Context, actor *staff.Member, f AppealFilter) ([]AdminAppeal, int64, error) {
	q, err := s.appealsIn(ctx, actor, f)
	if err != nil {
		return nil, 0, err
	}
	var rows []appealRow
	if err := q.Where("a.id > ?", f.After).Order("a.id").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("find appeals: %w", err)
	}
	out := make([]AdminAppeal, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.admin()
		ids[i] = r.TransactionID
	}
	rs, appeals, err := repairsOf(s.db.WithContext(ctx), ids)
	if err != nil {
		return nil, 0, fmt.Errorf("find appeals: %w", err)
	}
	now := s.now().UTC()
	for i := range out {
		if r := rs[out[i].TransactionID]; r != nil {
			out[i].Repair = r.view(appeals[out[i].TransactionID], now)
		}
	}
	return pageOf(out, f.Limit, func(v AdminAppeal) int64 { return v.ID })
}

// CountAppeals counts the appeals FindAppeals lists for f over all pages,
// up to db.CountCap (more: true beyond).
func (s *Service) CountAppeals(ctx context.Context, actor *staff.Member, f AppealFilter) (n int64, more bool, err error) {
	q, err := s.appealsIn(ctx, actor, f)
	if err != nil {
		return 0, false, err
	}
	return db.CountUpTo(q)
}

// appealsIn selects the appeals f selects in actor's scope, on every page.
func (s *Service) appealsIn(ctx context.Context, actor *staff.Member, f AppealFilter) (*gorm.DB, error) {
	if err := checkRange(f.Since, f.Until); err != nil {
		return nil, err
	}
	q := actor.Scope().Filter(s.appealQuery(ctx), staff.Columns{Street: residents.StreetColumn("r"), Department: "a.department_id"})
	if f.Status != "" {
		q = q.Where("a.status = ?", f.Status)
	}
	return timeRange(q, "a.created_at", f.Since, f.Until), nil
}

// FindResidentAppeals lists a resident's own appeals with their status and
// decision, newest first, before the appeal ID before (0: from the newest),
// and the next page's cursor.
func (s *Service) FindResidentAppeals(ctx context.Context, residentID, before int64, limit int) ([]AppealView, int64, error) {
	q := s.appealQuery(ctx).Where("a.resident_id = ?", residentID)
	if before > 0 {
		q = q.Where("a.id < ?", before)
	}
	var rows []appealRow
	if err := q.Order("a.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("find appeals: %w", err)
	}
	out := make([]AppealView, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return pageOf(out, limit, func(v AppealView) int64 { return v.ID })
}

// timeRange narrows q to rows whose col lies in [since, until).
func timeRange(q *gorm.DB, col string, since, until *time.Time) *gorm.DB {
	if since != nil {
		q = q.Where(col+" >= ?", since.UTC())
	}
	if until != nil {
		q = q.Where(col+" < ?", until.UTC())
	}
	return q
}
