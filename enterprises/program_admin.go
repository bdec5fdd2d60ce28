package enterprises

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// Errors of the benefit programs' administration.
var (
	ErrProgramGone  = apperr.New(apperr.NotFound, "惠企政策不存在")
	ErrProgramEnded = apperr.New(apperr.Conflict, "该惠企政策已结束")
)

// Program statuses, as the admin list filters them.
const (
	ProgramRunning ProgramStatus = "running"
	ProgramEnded   ProgramStatus = "ended"
)

// ProgramStatus says whether a benefit program runs.
type ProgramStatus string

// Enum lists the program statuses.
func (ProgramStatus) Enum() []string { return []string{string(ProgramRunning), string(ProgramEnded)} }

// ProgramFilter selects benefit programs: Status running or ended ("" for
// both), newest first, before the cursor After (an ID).
type ProgramFilter struct {
	Status ProgramStatus `form:"status" doc:"running or ended; both when left out"`
	After  int64         `form:"-"`
	Limit  int           `form:"-"`
}

// MatchCounts counts a program's matched enterprises, and of those whose
// notice has gone out (to the members bound at the time, if any).
type MatchCounts struct {
	Matched  int64 `json:"matched" doc:"enterprises it matched, of the caller's streets"`
	Notified int64 `json:"notified" doc:"of those, whose notice has gone out (to the members bound at the time, if any)"`
}

// ListedProgram is a benefit program with its match counts.
type ListedProgram struct {
	BenefitProgram
	MatchCounts
}

// FindPrograms lists the benefit programs of the scope's departments
// (every department's for the district), with how many enterprises of the
// scope's streets each matched. It returns a page and the cursor of the
// next one (0 on the last). Returns an invalid_argument error naming a bad
// status.
func (s *Service) FindPrograms(ctx context.Context, scope staff.Scope, f ProgramFilter) ([]ListedProgram, int64, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	q := s.db.WithContext(ctx).Model(&BenefitProgram{})
	switch f.Status {
	case "":
	case ProgramRunning:
		q = q.Where("ended_at IS NULL")
	case ProgramEnded:
		q = q.Where("ended_at IS NOT NULL")
	default:
		return nil, 0, apperr.Field("status", check.OneOfMessage(f.Status.Enum()))
	}
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	q = scope.Filter(q, staff.Columns{Department: "department_id"})
	var ps []BenefitProgram
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&ps).Error; err != nil {
		return nil, 0, fmt.Errorf("find programs: %w", err)
	}
	var next int64
	if len(ps) > f.Limit {
		ps = ps[:f.Limit]
		next = ps[len(ps)-1].ID
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	counts, err := s.matchCounts(ctx, scope, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ListedProgram, len(ps))
	for i, p := range ps {
		p.Criteria = p.criteria()
		out[i] = ListedProgram{BenefitProgram: p, MatchCounts: counts[p.ID]}
	}
	return out, next, nil
}

// matchCounts counts the matches of programs among enterprises of the
// scope's streets.
func (s *Service) matchCounts(ctx context.Context, scope staff.Scope, programIDs []int64) (map[int64]MatchCounts, error) {
	out := map[int64]MatchCounts{}
	if len(programIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ProgramID int64
		Matched   int64
		Notified  int64
	}
	q := s.db.WithContext(ctx).Table("benefit_matches AS m").
		Select("m.program_id, COUNT(*) AS matched, COUNT(m.notified_at) AS notified").
		Joins("JOIN enterprises e ON e.id = m.enterprise_id").
		Where("m.program_id IN ?", programIDs)
	q = scope.Filter(q, staff.Columns{Street: "e.street"})
	if err := q.Group("m.program_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count matches: %w", err)
	}
	for _, r := range rows {
		out[r.ProgramID] = MatchCounts{Matched: r.Matched, Notified: r.Notified}
	}
	return out, nil
}

// program returns a program of the scope's departments. Returns
// ErrProgramGone for an unknown one or another department's.
func (s *Service) program(q *gorm.DB, scope staff.Scope, id int64) (*BenefitProgram, error) {
	var p BenefitProgram
	if err := q.Take(&p, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrProgramGone
		}
		return nil, fmt.Errorf("find program: %w", err)
	}
	if !scope.OwnsDepartment(p.DepartmentID) {
		return nil, ErrProgramGone
	}
	p.Criteria = p.criteria()
	return &p, nil
}

// Match is an enterprise a program matched: when, and when its notice went
// out to the members bound at the time (nil: not yet, or never for a
// program ended first).
type Match struct {
	ID         int64      `json:"id,string"`
	USCC       string     `json:"uscc" gorm:"column:uscc"`
	Name       string     `json:"name"`
	Industry   string     `json:"industry"`
	Street     string     `json:"street"`
	Grade      Grade      `json:"grade" doc:"the enterprise's current grade"`
	MatchedAt  time.Time  `json:"matched_at"`
	NotifiedAt *time.Time `json:"notified_at" doc:"when its notice went out to the members bound at the time (if any); null: not yet, or never (program ended first)"`
}

// FindMatches lists the enterprises a program of the scope's departments
// matched, of the scope's streets, in the order they matched, after the
// cursor After (a match ID). Returns ErrProgramGone for an unknown program
// or another department's.
func (s *Service) FindMatches(ctx context.Context, scope staff.Scope, programID int64, after int64, limit int) ([]Match, int64, error) {
	if _, err := s.program(s.db.WithContext(ctx), scope, programID); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 20
	}
	q := s.db.WithContext(ctx).Table("benefit_matches AS m").
		Select("m.id, e.uscc AS uscc, e.name, e.industry, e.street, e.grade, m.matched_at, m.notified_at").
		Joins("JOIN enterprises e ON e.id = m.enterprise_id").
		Where("m.program_id = ? AND m.id > ?", programID, after)
	q = scope.Filter(q, staff.Columns{Street: "e.street"})
	var ms []Match
	if err := q.Order("m.id").Limit(limit + 1).Scan(&ms).Error; err != nil {
		return nil, 0, fmt.Errorf("find matches: %w", err)
	}
	var next int64
	if len(ms) > limit {
		ms = ms[:limit]
		next = ms[len(ms)-1].ID
	}
	return ms, next, nil
}

// EndProgram ends a running program of the member's department: from then
// on it matches no enterprise, it is no longer listed among an
// enterprise's benefits, and notices of its matches not yet sent are not
// sent. Matches made before stay (GET …/matches lists them) and notices
// already sent stay in their inboxes. A street-scoped member ends only a
// program whose criteria stay within their streets.
//
// Returns ErrProgramGone for an unknown program or another department's,
// permission_denied naming criteria.streets for a program reaching beyond
// the member's streets, and ErrProgramEnded if it has already ended.
func (s *Service) EndProgram(ctx context.Context, by *staff.Member, id int64) (*ListedProgram, error) {
	scope := by.Scope()
	p, err := s.program(s.db.WithContext(ctx), scope, id)
	if err != nil {
		return nil, err
	}
	if err := scope.CheckReach("criteria.streets", p.Streets); err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		now := s.now().UTC()
		res := tx.Model(&BenefitProgram{}).Where("id = ? AND ended_at IS NULL", id).
			Updates(map[string]any{"ended_at": now, "ended_by": by.ID})
		if res.Error != nil {
			return fmt.Errorf("end program: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrProgramEnded
		}
		staff.AuditDetail(ctx, fmt.Sprintf("benefit program %d ended", id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p, err = s.program(s.db.WithContext(ctx), scope, id); err != nil {
		return nil, err
	}
	counts, err := s.matchCounts(ctx, scope, []int64{id})
	if err != nil {
		return nil, err
	}
	return &ListedProgram{BenefitProgram: *p, MatchCounts: counts[id]}, nil
}
