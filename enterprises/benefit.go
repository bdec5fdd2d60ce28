package enterprises

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Criteria decide which enterprises a benefit program serves: a grade at
// least MinGrade and, when the lists are not empty, one of Industries and
// one of Streets.
type Criteria struct {
	MinGrade   Grade    `json:"min_grade" binding:"required" example:"B" doc:"worst grade that still qualifies (B: A and B)"`
	Industries []string `json:"industries" binding:"max=50,dive,required,max=64" doc:"empty: any industry; each counts once"`
	Streets    []string `json:"streets" doc:"empty: any street (not allowed for street-scoped staff, who must name streets inside their scope); each counts once"`
}

// grades returns the grades that satisfy MinGrade.
func (c Criteria) grades() []Grade {
	i := slices.Index(Grades, c.MinGrade)
	return Grades[:i+1]
}

// Match reports whether an enterprise with these attributes qualifies. An
// enterprise not yet rated never does.
func (c Criteria) Match(grade Grade, industry, street string) bool {
	return grade != "" && slices.Contains(c.grades(), grade) &&
		(len(c.Industries) == 0 || slices.Contains(c.Industries, industry)) &&
		(len(c.Streets) == 0 || slices.Contains(c.Streets, street))
}

// BenefitProgram is a benefit ("信用+免申即享") that enterprises meeting its
// criteria get without applying. Members of a matched enterprise get an
// inbox notice once per program: when the program is created, or when a
// re-rating first makes their enterprise qualify. That notice is a fixed
// system text naming the program and the enterprise (benefitNotice), sent
// for the program's department. Notice is the department's description of
// the program: members read it with their enterprise's benefits
// (Benefits); it never goes to inboxes, which only reviewed notices and
// fixed system texts reach.
type BenefitProgram struct {
	ID           int64     `json:"id,string"`
	Name         string    `json:"name"`
	MinGrade     Grade     `json:"-"`
	Industries   []string  `json:"-" gorm:"serializer:json"`
	Streets      []string  `json:"-" gorm:"serializer:json"`
	Criteria     Criteria  `json:"criteria" gorm:"-"`
	Notice       string    `json:"notice"`
	DepartmentID *int64    `json:"department_id,string"`
	CreatedBy    int64     `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// EndedAt is when the program was ended (EndProgram); nil while it runs.
	EndedAt *time.Time `json:"ended_at" doc:"when the program was ended (POST /admin/benefit-programs/{id}/end); null while it runs"`
	EndedBy *int64     `json:"-"`
}

// TableName maps BenefitProgram to the benefit_programs table.
func (BenefitProgram) TableName() string { return "benefit_programs" }

func (p *BenefitProgram) criteria() Criteria {
	return Criteria{MinGrade: p.MinGrade, Industries: p.Industries, Streets: p.Streets}
}

// benefitMatch records that an enterprise qualified for a program, and
// when its notice went out to the members bound then (nil until its job
// ran, and for good when the program ended first); the console shows it.
type benefitMatch struct {
	ID           int64
	ProgramID    int64
	EnterpriseID int64
	MatchedAt    time.Time
	NotifiedAt   *time.Time
}

func (benefitMatch) TableName() string { return "benefit_matches" }

// NewProgram is the input for CreateProgram.
// It is the request body of POST /admin/benefit-programs.
type NewProgram struct {
	Name     string   `json:"name" binding:"required,max=128" example:"A 级企业租金补贴"`
	Criteria Criteria `json:"criteria" binding:"required"`
	Notice   string   `json:"notice" binding:"max=2000" doc:"the program's description, shown to the members of matched enterprises in the app (not sent to inboxes)"`
}

// Validate checks the program; it returns an invalid_argument error naming
// the bad fields.
func (n *NewProgram) Validate(isStreet func(string) bool) error {
	fields := tagged(n)
	checkText(fields, "name", &n.Name, false)
	checkText(fields, "notice", &n.Notice, true)
	// The lists are stored as JSON in TEXT columns (64 KiB on MySQL): a
	// street or industry counts once, and there are at most maxIndustries.
	n.Criteria.Streets = compact(n.Criteria.Streets)
	for _, st := range n.Criteria.Streets {
		if !utf8.ValidString(st) || !isStreet(st) {
			fields["criteria.streets"] = fmt.Sprintf("未知街道 %q", strings.ToValidUTF8(st, "\ufffd"))
		}
	}
	for i := range n.Criteria.Industries {
		name := fmt.Sprintf("criteria.industries[%d]", i)
		checkText(fields, name, &n.Criteria.Industries[i], false)
		if _, bad := fields[name]; !bad && n.Criteria.Industries[i] == "" {
			fields[name] = check.RequiredMessage
		}
	}
	n.Criteria.Industries = compact(n.Criteria.Industries)
	return apperr.Fields(fields)
}

// compact returns the values in their first order, each once.
func compact(values []string) []string {
	var out []string
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// ProgramResult is a created program and the enterprises it matched.
type ProgramResult struct {
	BenefitProgram
	Matches []RatingRef `json:"matches"`
}

// RatingRef names a matched enterprise.
type RatingRef struct {
	USCC  string `json:"uscc"`
	Name  string `json:"name"`
	Grade Grade  `json:"grade"`
}

// CreateProgram creates a benefit program for the member's department and
// matches every qualifying enterprise, in one transaction that also
// queues the notice of each match (JobBenefitNotice); the notices then go
// out at once, and the queue retries any an outage held back.
// Returns an invalid_argument error for bad fields and permission_denied
// naming criteria.streets if the criteria reach beyond the member's
// streets (a street-scoped member must name some of their streets).
func (s *Service) CreateProgram(ctx context.Context, by *staff.Member, n NewProgram) (*ProgramResult, error) {
	if err := n.Validate(s.streets); err != nil {
		return nil, err
	}
	scope := by.Scope()
	if err := scope.CheckReach("criteria.streets", n.Criteria.Streets); err != nil {
		return nil, err
	}
	if n.Criteria.Industries == nil {
		n.Criteria.Industries = []string{}
	}
	if n.Criteria.Streets == nil {
		n.Criteria.Streets = []string{}
	}
	var p BenefitProgram
	var matched []Enterprise
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		now := s.now().UTC()
		p = BenefitProgram{Name: n.Name, MinGrade: n.Criteria.MinGrade, Industries: n.Criteria.Industries,
			Streets: n.Criteria.Streets, Notice: n.Notice, DepartmentID: scope.Department(), CreatedBy: by.ID, CreatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return fmt.Errorf("create program: %w", err)
		}
		var err error
		if matched, err = s.matchProgramTx(tx, &p, now); err != nil {
			return err
		}
		staff.AuditTarget(ctx, "benefit-programs", strconv.FormatInt(p.ID, 10))
		staff.AuditDetail(ctx, "benefit program "+strconv.FormatInt(p.ID, 10))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A re-rating committed from now on sees the program itself
	// (matchProgramsTx); one that raced with this transaction is caught by
	// the hourly sweep (RerateDue).
	s.noticesNow(ctx, "program_id = ?", p.ID)
	p.Criteria = p.criteria()
	res := &ProgramResult{BenefitProgram: p, Matches: make([]RatingRef, 0, len(matched))}
	for _, e := range matched {
		res.Matches = append(res.Matches, RatingRef{USCC: e.USCC, Name: e.Name, Grade: e.Grade})
	}
	return res, nil
}

// matchProgramTx records, in tx, every enterprise that qualifies for a
// program now and had not matched it before, queues their notices, and
// returns every enterprise that qualifies.
func (s *Service) matchProgramTx(tx *gorm.DB, p *BenefitProgram, now time.Time) ([]Enterprise, error) {
	q := tx.Model(&Enterprise{}).Where("grade IN ?", p.criteria().grades())
	if len(p.Industries) > 0 {
		q = q.Where("industry IN ?", p.Industries)
	}
	if len(p.Streets) > 0 {
		q = q.Where("street IN ?", p.Streets)
	}
	var matched []Enterprise
	if err := q.Order("id").Find(&matched).Error; err != nil {
		return nil, fmt.Errorf("match enterprises: %w", err)
	}
	var had []int64
	if err := tx.Model(&benefitMatch{}).Where("program_id = ?", p.ID).Pluck("enterprise_id", &had).Error; err != nil {
		return nil, fmt.Errorf("load matches: %w", err)
	}
	var ms []benefitMatch
	for _, e := range matched {
		if !slices.Contains(had, e.ID) {
			ms = append(ms, benefitMatch{ProgramID: p.ID, EnterpriseID: e.ID, MatchedAt: now})
		}
	}
	return matched, addMatchesTx(tx, ms)
}

// addMatchesTx records matches and queues the notice of each, in tx. A
// match a concurrent transaction recorded first is left as it is, and its
// notice job, unique per program and enterprise, is queued once.
func addMatchesTx(tx *gorm.DB, ms []benefitMatch) error {
	if len(ms) == 0 {
		return nil
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(ms, 500).Error; err != nil {
		return fmt.Errorf("store matches: %w", err)
	}
	for _, m := range ms {
		err := jobs.Enqueue(tx, JobBenefitNotice, benefitKey(m.ProgramID, m.EnterpriseID),
			benefitJob{ProgramID: m.ProgramID, EnterpriseID: m.EnterpriseID})
		if err != nil {
			return err
		}
	}
	return nil
}

// sweepPrograms matches every running program again, each in a
// transaction of its own, catching an enterprise whose re-rating raced
// with the program's creation (neither transaction saw the other's
// change).
func (s *Service) sweepPrograms(ctx context.Context) error {
	var ps []BenefitProgram
	if err := s.db.WithContext(ctx).Where("ended_at IS NULL").Order("id").Find(&ps).Error; err != nil {
		return fmt.Errorf("load programs: %w", err)
	}
	for i := range ps {
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			_, err := s.matchProgramTx(tx, &ps[i], s.now().UTC())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// matchProgramsTx records every running program the (just re-rated)
// enterprise qualifies for and had not matched before, and queues their
// notices (see noticesNow).
func (s *Service) matchProgramsTx(tx *gorm.DB, e *Enterprise, now time.Time) error {
	if e.Grade == "" {
		return nil
	}
	var ps []BenefitProgram
	if err := tx.Where("min_grade >= ? AND ended_at IS NULL", e.Grade).Find(&ps).Error; err != nil {
		return fmt.Errorf("load programs: %w", err)
	}
	var ids []int64
	for _, p := range ps {
		if p.criteria().Match(e.Grade, e.Industry, e.Street) {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var had []int64
	if err := tx.Model(&benefitMatch{}).Where("enterprise_id = ? AND program_id IN ?", e.ID, ids).Pluck("program_id", &had).Error; err != nil {
		return fmt.Errorf("load matches: %w", err)
	}
	var ms []benefitMatch
	for _, id := range ids {
		if !slices.Contains(had, id) {
			ms = append(ms, benefitMatch{ProgramID: id, EnterpriseID: e.ID, MatchedAt: now})
		}
	}
	return addMatchesTx(tx, ms)
}

// benefitNotice is the fixed system text telling an enterprise's members
// that it qualifies for a program, sent for the program's department. It
// names neither the program nor the enterprise (staff write both names,
// and nobody reviews this notice): the enterprise by its code, the program
// by reference, whose name and description the member opens in the app
// (Benefits).
func benefitNotice(p *BenefitProgram, e *Enterprise) notify.DirectNotice {
	return notify.DirectNotice{
		Kind:     notify.KindBenefitMatched,
		Data:     map[string]string{"uscc": e.USCC},
		Target:   &notify.Target{Type: notify.TargetBenefits, ID: e.USCC},
		Title:    "免申即享：您的企业符合一项惠企政策",
		Body:     "您绑定的企业（统一社会信用代码 " + e.USCC + "）符合一项惠企政策的条件，无需申请即可享受。政策名称和说明请在 i福田「我的企业」的免申即享中查看。",
		Category: "policy", DepartmentID: p.DepartmentID,
	}
}

// quote returns s cut to at most n characters, with "…" when cut.
func quote(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Benefits lists the running programs the member's enterprise qualifies
// for now, newest first (an ended program is no longer offered). Errors
// as Detail.
func (s *Service) Benefits(ctx context.Context, residentID int64, code string) ([]BenefitProgram, error) {
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, err
	}
	out := []BenefitProgram{}
	if e.Grade == "" {
		return out, nil
	}
	var ps []BenefitProgram
	if err := s.db.WithContext(ctx).Where("min_grade >= ? AND ended_at IS NULL", e.Grade).Order("id DESC").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("load programs: %w", err)
	}
	for _, p := range ps {
		if c := p.criteria(); c.Match(e.Grade, e.Industry, e.Street) {
			p.Criteria = c
			out = append(out, p)
		}
	}
	return out, nil
}
