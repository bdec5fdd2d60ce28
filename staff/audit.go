package staff

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// AuditEntry records one staff write or one staff read of personal data.
// The audit log is append-only; the database refuses updates and deletes.
type AuditEntry struct {
	ID         int64  `json:"id,string"`
	ActorID    int64  `json:"actor_id,string"`
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	TargetKind string `json:"target_kind"`
	TargetID   string `json:"target_id"`
	Detail     string `json:"detail"`
	IP         string `json:"ip"`
	RequestID  string `json:"request_id"`
	// Changes is what an update changed, as JSON ([]AuditChange; "" for
	// none); the API shows it parsed.
	Changes   string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName maps AuditEntry to the audit_log table.
func (AuditEntry) TableName() string { return "audit_log" }

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	ActorID      int64
	ActorName    string // part of the acting member's username
	DepartmentID int64  // the acting member's department (as it is now)
	Action       string
	Actions      []string // any of these routes
	TargetKind   string
	TargetID     string
	Since        time.Time
	Until        time.Time
	Before       int64 // cursor: entries with a smaller ID
	Limit        int
}

type auditReq struct {
	e    AuditEntry
	done chan error
}

// Audit appends an entry to the audit log and returns once it is stored.
// Concurrent calls share one INSERT (group commit), so auditing every staff
// write costs a fraction of a commit per request under load.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	s.auditOnce.Do(func() { go s.auditLoop() })
	e.ID = 0
	e.CreatedAt = s.now().UTC()
	r := auditReq{e: e, done: make(chan error, 1)}
	select {
	case s.auditQ <- r:
	case <-ctx.Done():
		return fmt.Errorf("audit: %w", ctx.Err())
	}
	// Once queued the entry is written even if ctx ends; wait for it.
	if err := <-r.done; err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// auditLoop writes queued entries: whatever queued while the previous
// INSERT ran goes into the next one.
func (s *Service) auditLoop() {
	for r := range s.auditQ {
		batch := []auditReq{r}
	drain:
		for len(batch) < 500 {
			select {
			case r := <-s.auditQ:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		entries := make([]AuditEntry, len(batch))
		for i, b := range batch {
			entries[i] = b.e
		}
		err := s.db.Create(&entries).Error
		for _, b := range batch {
			b.done <- err
		}
	}
}

// FindAudit returns the entries matching f that the scope by may read,
// newest first, and the cursor of the next page (0 on the last page).
//
// An auditor reads the entries of the members whose reach lies within
// their own scope (Scope.Within): a department's auditor those of their
// department's members, a street-scoped auditor those of the members
// limited to some of the same streets, a district auditor and a
// superadmin every entry. An entry is judged by who acted, not by what it
// is about: the audit log does not record the department of the object,
// so a district account's actions on a department's objects are read by
// district auditors only. Returns invalid_argument naming page_size for a
// bad limit.
func (s *Service) FindAudit(ctx context.Context, by Scope, f AuditFilter) ([]AuditEntry, int64, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		return nil, 0, apperr.Field("page_size", "须在 1–100 之间")
	}
	q, err := s.auditQuery(ctx, by, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var es []AuditEntry
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&es).Error; err != nil {
		return nil, 0, fmt.Errorf("find audit: %w", err)
	}
	var next int64
	if len(es) > f.Limit {
		es = es[:f.Limit]
		next = es[len(es)-1].ID
	}
	return es, next, nil
}

// CountAudit counts the entries FindAudit lists for f and by, whatever
// the page, up to db.CountCap (more: true beyond).
func (s *Service) CountAudit(ctx context.Context, by Scope, f AuditFilter) (n int64, more bool, err error) {
	q, err := s.auditQuery(ctx, by, f)
	if err != nil {
		return 0, false, err
	}
	return db.CountUpTo(q)
}

// auditQuery selects the entries matching f that by may read.
func (s *Service) auditQuery(ctx context.Context, by Scope, f AuditFilter) (*gorm.DB, error) {
	q := s.db.WithContext(ctx).Model(&AuditEntry{})
	if !by.District() || !by.AllStreets() {
		actors, err := s.auditedBy(ctx, by)
		if err != nil {
			return nil, err
		}
		q = in(q, "actor_id", actors)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.ActorName != "" {
		actors, err := s.namedLike(ctx, f.ActorName)
		if err != nil {
			return nil, err
		}
		q = in(q, "actor_id", actors)
	}
	if f.DepartmentID != 0 {
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&Member{}).Where("department_id = ?", f.DepartmentID).Order("id").Pluck("id", &ids).Error; err != nil {
			return nil, fmt.Errorf("find department members: %w", err)
		}
		q = in(q, "actor_id", append([]int64{}, ids...))
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if len(f.Actions) > 0 {
		q = in(q, "action", f.Actions)
	}
	if f.TargetKind != "" {
		q = q.Where("target_kind = ?", f.TargetKind)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	return q, nil
}

// auditedBy returns the members whose entries the scope by may read: those
// whose reach, disabled or not, lies within it.
func (s *Service) auditedBy(ctx context.Context, by Scope) ([]int64, error) {
	var ms []Member
	q := by.Filter(s.db.WithContext(ctx).Model(&Member{}), Columns{Department: "department_id"})
	if err := q.Select("id", "department_id", "roles", "streets").Order("id").Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("find audited members: %w", err)
	}
	ids := []int64{}
	for _, m := range ms {
		if reach(m).Within(by) {
			ids = append(ids, m.ID)
		}
	}
	return ids, nil
}

// namedLike returns the members whose username contains part (usernames
// never change, so they name the audit log's actors too).
func (s *Service) namedLike(ctx context.Context, part string) ([]int64, error) {
	part = NormalizeUsername(part)
	var ms []Member
	if err := s.db.WithContext(ctx).Model(&Member{}).Select("id", "username").Order("id").Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("find actors: %w", err)
	}
	ids := []int64{}
	for _, m := range ms {
		if strings.Contains(m.Username, part) {
			ids = append(ids, m.ID)
		}
	}
	return ids, nil
}

// ActorDepartments returns, for each of the members ids that belongs to a
// department, that department (as it is now: the log records members, and
// a member's department seldom changes).
func (s *Service) ActorDepartments(ctx context.Context, ids []int64) (map[int64]Department, error) {
	out := map[int64]Department{}
	if len(ids) == 0 {
		return out, nil
	}
	var ms []Member
	if err := s.db.WithContext(ctx).Model(&Member{}).Select("id", "department_id").Where("id IN ?", ids).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("find actors' departments: %w", err)
	}
	ds, err := s.FindDepartments(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Department{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	for _, m := range ms {
		if m.DepartmentID != nil {
			if d, ok := byID[*m.DepartmentID]; ok {
				out[m.ID] = d
			}
		}
	}
	return out, nil
}
