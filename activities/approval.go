package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// Statuses of an hours approval.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Errors of hours approvals.
var (
	ErrApprovalNotFound = apperr.New(apperr.NotFound, "待批准的时长调整不存在")
	ErrOwnApproval      = apperr.New(apperr.PermissionDenied, "不能批准自己提出的时长调整，须由另一名工作人员批准")
	ErrDecided          = apperr.New(apperr.Conflict, "该时长调整已处理")
	ErrApprovalNegative = apperr.New(apperr.Conflict, "批准后时长将为负，不能批准")
)

// HoursApproval is an adjustment that would take a resident's hours for
// an activity beyond the activity's length (the bound, see
// decideAdjustment): it waits, pending, for a member other than the one
// who asked to approve it, which enters it in the ledger (EntryID), or for
// anyone who may adjust hours to reject it.
type HoursApproval struct {
	ID          int64          `json:"id,string"`
	ActivityID  int64          `json:"activity_id,string"`
	ResidentID  int64          `json:"resident_id,string"`
	Minutes     int64          `json:"-"`
	Hours       float64        `json:"hours" gorm:"-" doc:"the adjustment asked for"`
	Reason      string         `json:"reason"`
	Status      ApprovalStatus `json:"status"`
	RequestedBy int64          `json:"requested_by,string" doc:"the staff member who asked (ID, a decimal string)"`
	DecidedBy   *int64         `json:"decided_by,string" doc:"the staff member who approved or rejected it"`
	DecidedAt   *time.Time     `json:"decided_at"`
	EntryID     *int64         `json:"entry_id,string" doc:"once approved: the ledger entry made"`
	Idem        *string        `json:"-"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// MaxAdjustmentKey is the most bytes of an hours adjustment's idempotency
// key.
const MaxAdjustmentKey = 64

// TableName maps HoursApproval to its table.
func (HoursApproval) TableName() string { return "volunteer_hours_approvals" }

// Adjustment corrects a resident's hours for an activity.
type Adjustment struct {
	ResidentID int64
	Hours      float64 // plus or minus, not zero
	Reason     string
	// Key, if set, makes the adjustment idempotent: the same key for the
	// same resident and activity returns the first outcome.
	Key string
}

// Adjusted is what an adjustment came to: an Entry in the ledger or, past
// the activity's length, a Pending approval. Repeated reports an outcome
// recorded before under the same key.
type Adjusted struct {
	Entry    *HoursEntry
	Pending  *HoursApproval
	Repeated bool
}

// adjustOutcome is what decideAdjustment decides.
type adjustOutcome int

const (
	adjustApply   adjustOutcome = iota // entered in the ledger at once
	adjustPending                      // waits for a second member
)

// bound is the most hours a resident may be credited for an activity
// without a second member's approval: its length, in minutes.
func bound(a *Activity) int64 { return int64(a.EndsAt.Sub(a.StartsAt) / time.Minute) }

// decideAdjustment decides an adjustment of mins to a resident's total
// minutes for an activity whose bound is limit. It is pure. Taking hours
// off applies down to zero (below is refused, naming hours); adding them
// applies up to the bound, and beyond it waits for approval, so no one
// member can credit more than the activity lasted.
func decideAdjustment(total, mins, limit int64) (adjustOutcome, error) {
	switch {
	case total+mins < 0:
		return 0, apperr.Field("hours", fmt.Sprintf("调整后时长不能为负（现为 %.2f 小时）", hours(total)))
	case mins > 0 && total+mins > limit:
		return adjustPending, nil
	}
	return adjustApply, nil
}

// locking makes q a locking read on MySQL: under REPEATABLE READ a plain
// read in a transaction sees the snapshot of its first read, which may be
// older than the lock it waited for; a locking read sees the latest rows.
func (s *Service) locking(q *gorm.DB) *gorm.DB {
	if s.forUpdate == "" {
		return q
	}
	return q.Clauses(clause.Locking{Strength: "UPDATE"})
}

// lockSignup reads a resident's sign-up for an activity, locked on MySQL
// so that one resident's credits, adjustments and approvals queue (SQLite
// runs one writer at a time anyway). Returns an invalid_argument error
// naming resident_id if the resident is not on the roster.
func (s *Service) lockSignup(tx *gorm.DB, id, residentID int64) error {
	q := s.locking(tx.Where("activity_id = ? AND resident_id = ?", id, residentID))
	var sgs []Signup
	if err := q.Limit(1).Find(&sgs).Error; err != nil {
		return err
	}
	if len(sgs) == 0 {
		return apperr.Field("resident_id", "该居民不在本活动名单中")
	}
	return nil
}

// totalMinutes sums a resident's hours entries for an activity, with a
// locking read (the latest entries, whatever the transaction read before).
func (s *Service) totalMinutes(tx *gorm.DB, id, residentID int64) (int64, error) {
	return sumMinutes(s.locking(tx.Model(&HoursEntry{})), id, residentID)
}

// sumMinutes sums a resident's hours entries for an activity with a plain
// read: for a transaction whose earlier statements only locked the
// resident's sign-up (credit), where that lock already orders the writers.
func (s *Service) sumMinutes(tx *gorm.DB, id, residentID int64) (int64, error) {
	return sumMinutes(tx.Model(&HoursEntry{}), id, residentID)
}

func sumMinutes(q *gorm.DB, id, residentID int64) (int64, error) {
	var total int64
	err := q.Where("activity_id = ? AND resident_id = ?", id, residentID).
		Select("COALESCE(SUM(minutes), 0)").Scan(&total).Error
	return total, err
}

// AdjustHours appends an adjustment of a rostered resident's hours for an
// activity within m's scope; nothing is ever edited. Hours taken off apply
// down to zero; hours added apply up to the activity's length, and beyond
// it are kept as a pending HoursApproval for another member (Approve).
// Returns ErrNotFound outside m's scope, ErrResidentNotFound for a
// resident missing or outside m's streets, and invalid_argument errors
// naming resident_id, hours or reason.
func (s *Service) AdjustHours(ctx context.Context, m *staff.Member, id int64, adj Adjustment) (*Adjusted, error) {
	adj.Reason = strings.TrimSpace(adj.Reason)
	f := map[string]string{}
	mins := minutesOf(adj.Hours)
	if mins == 0 {
		f["hours"] = "不足一分钟，须为非零的时长"
	}
	if len(adj.Key) > MaxAdjustmentKey {
		f["Idempotency-Key"] = "不能多于 " + strconv.Itoa(MaxAdjustmentKey) + " 个字符"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	var idem *string
	if adj.Key != "" {
		k := fmt.Sprintf("adjust:%d:%d:%s", id, adj.ResidentID, adj.Key)
		idem = &k
	}
	now := s.clock()
	var out Adjusted
	err := s.transact(ctx, func(tx *gorm.DB) error {
		out = Adjusted{}
		by := m.Scope()
		a, err := s.owned(tx, by, id, false)
		if err != nil {
			return err
		}
		if err := residentInScope(tx, by, adj.ResidentID); err != nil {
			return err
		}
		if err := s.lockSignup(tx, id, adj.ResidentID); err != nil {
			return err
		}
		if idem != nil {
			done, err := s.findByKey(tx, *idem)
			if err != nil {
				return err
			}
			if done != nil {
				out = *done
				return nil
			}
		}
		total, err := s.totalMinutes(tx, id, adj.ResidentID)
		if err != nil {
			return err
		}
		outcome, err := decideAdjustment(total, mins, bound(a))
		if err != nil {
			return err
		}
		if outcome == adjustPending {
			p := &HoursApproval{
				ActivityID: id, ResidentID: adj.ResidentID, Minutes: mins, Reason: adj.Reason, Status: ApprovalPending,
				RequestedBy: m.ID, Idem: idem, CreatedAt: now, UpdatedAt: now,
			}
			if err := tx.Create(p).Error; err != nil {
				return err
			}
			out.Pending = p
			staff.AuditDetail(ctx, fmt.Sprintf("hours adjustment %+.2f h, resident %d: pending approval %d", hours(mins), adj.ResidentID, p.ID))
			return nil
		}
		e := &HoursEntry{
			ResidentID: adj.ResidentID, ActivityID: id, Kind: EntryAdjustment, Minutes: mins, Reason: adj.Reason,
			StaffID: &m.ID, Idem: idem, CreatedAt: now,
		}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		out.Entry = e
		staff.AuditDetail(ctx, fmt.Sprintf("hours adjustment %+.2f h, resident %d", hours(mins), adj.ResidentID))
		return nil
	})
	if db.IsDuplicate(err) && idem != nil {
		// The same key raced in: return what won.
		var done *Adjusted
		if done, err = s.findByKey(s.db.WithContext(ctx), *idem); err == nil && done == nil {
			err = errors.New("duplicate key, yet nothing under it")
		}
		if err != nil {
			return nil, fmt.Errorf("adjust hours: %w", err)
		}
		out = *done
	}
	if err != nil {
		return nil, s.wrap("adjust hours", err)
	}
	out.fill()
	return &out, nil
}

// findByKey returns the adjustment made under an idempotency key, nil if
// none was, with locking reads: a request with the same key that committed
// while this one waited for the sign-up's lock is seen, so one key never
// makes both an entry and an approval.
func (s *Service) findByKey(q *gorm.DB, idem string) (*Adjusted, error) {
	var es []HoursEntry
	if err := s.locking(q.Where("idem = ?", idem)).Limit(1).Find(&es).Error; err != nil {
		return nil, err
	}
	if len(es) == 1 {
		return &Adjusted{Entry: &es[0], Repeated: true}, nil
	}
	var ps []HoursApproval
	if err := s.locking(q.Where("idem = ?", idem)).Limit(1).Find(&ps).Error; err != nil {
		return nil, err
	}
	if len(ps) == 1 {
		return &Adjusted{Pending: &ps[0], Repeated: true}, nil
	}
	return nil, nil
}

func (a *Adjusted) fill() {
	if a.Entry != nil {
		a.Entry.Hours = hours(a.Entry.Minutes)
	}
	if a.Pending != nil {
		a.Pending.Hours = hours(a.Pending.Minutes)
	}
}

// ApprovalFilter selects an activity's approvals by status (pending by
// default), after a cursor.
type ApprovalFilter struct {
	Status ApprovalStatus
	After  int64
	Limit  int
}

// ListApprovals lists an activity's hours approvals within m's scope, of
// residents of m's streets, oldest first, and the cursor of the next page
// (0 on the last). Returns ErrNotFound outside m's scope and an
// invalid_argument error naming status.
func (s *Service) ListApprovals(ctx context.Context, m *staff.Member, id int64, f ApprovalFilter) ([]HoursApproval, int64, error) {
	if f.Status == "" {
		f.Status = ApprovalPending
	}
	tx := s.db.WithContext(ctx)
	by := m.Scope()
	if _, err := s.owned(tx, by, id, false); err != nil {
		return nil, 0, err
	}
	q := tx.Model(&HoursApproval{}).Select("volunteer_hours_approvals.*").
		Joins(residents.Join("r", "volunteer_hours_approvals.resident_id")).
		Where("volunteer_hours_approvals.activity_id = ? AND volunteer_hours_approvals.status = ? AND volunteer_hours_approvals.id > ?", id, f.Status, f.After)
	q = by.Filter(q, staff.Columns{Street: residents.StreetColumn("r")})
	var ps []HoursApproval
	if err := q.Order("volunteer_hours_approvals.id").Limit(f.Limit + 1).Find(&ps).Error; err != nil {
		return nil, 0, fmt.Errorf("list hours approvals: %w", err)
	}
	var next int64
	if len(ps) > f.Limit {
		ps = ps[:f.Limit]
		next = ps[len(ps)-1].ID
	}
	for i := range ps {
		ps[i].Hours = hours(ps[i].Minutes)
	}
	return ps, next, nil
}

// Decide approves (approve) or rejects a pending hours approval of an
// activity within m's scope. Approving enters the adjustment in the ledger
// and needs a member other than the one who asked (ErrOwnApproval);
// anyone who may adjust may reject, the asker too (a withdrawal). The
// same decision again changes nothing (repeated); the other one is
// ErrDecided. Approval is refused (ErrApprovalNegative) if it would take
// the total below zero. Returns ErrNotFound outside m's scope and
// ErrApprovalNotFound for an approval missing, of another activity or of
// a resident outside m's streets.
func (s *Service) Decide(ctx context.Context, m *staff.Member, id, approvalID int64, approve bool) (*HoursApproval, bool, error) {
	now := s.clock()
	want := ApprovalStatus(ApprovalRejected)
	if approve {
		want = ApprovalApproved
	}
	var p HoursApproval
	repeated := false
	err := s.transact(ctx, func(tx *gorm.DB) error {
		repeated = false
		by := m.Scope()
		if _, err := s.owned(tx, by, id, false); err != nil {
			return err
		}
		err := tx.Where("id = ? AND activity_id = ?", approvalID, id).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrApprovalNotFound
		}
		if err != nil {
			return err
		}
		if err := residentInScope(tx, by, p.ResidentID); err != nil {
			return ErrApprovalNotFound
		}
		if err := s.lockSignup(tx, id, p.ResidentID); err != nil {
			return err
		}
		if err := s.locking(tx.Where("id = ?", approvalID)).Take(&p).Error; err != nil { // again, under the lock
			return err
		}
		switch {
		case p.Status == want:
			repeated = true
			return nil
		case p.Status != ApprovalPending:
			return ErrDecided
		case approve && p.RequestedBy == m.ID:
			return ErrOwnApproval
		}
		fields := map[string]any{"status": want, "decided_by": m.ID, "decided_at": now, "updated_at": now}
		if approve {
			total, err := s.totalMinutes(tx, id, p.ResidentID)
			if err != nil {
				return err
			}
			if total+p.Minutes < 0 {
				return ErrApprovalNegative
			}
			requester := p.RequestedBy
			e := &HoursEntry{
				ResidentID: p.ResidentID, ActivityID: id, Kind: EntryAdjustment, Minutes: p.Minutes, Reason: p.Reason,
				StaffID: &requester, CreatedAt: now,
			}
			if err := tx.Create(e).Error; err != nil {
				return err
			}
			fields["entry_id"] = e.ID
		}
		res := tx.Model(&HoursApproval{}).Where("id = ? AND status = ?", approvalID, ApprovalPending).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrDecided
		}
		staff.AuditDetail(ctx, fmt.Sprintf("hours approval %d %s: %+.2f h, resident %d", approvalID, want, hours(p.Minutes), p.ResidentID))
		return tx.Where("id = ?", approvalID).Take(&p).Error
	})
	if err != nil {
		return nil, false, s.wrap("decide hours approval", err)
	}
	p.Hours = hours(p.Minutes)
	return &p, repeated, nil
}
