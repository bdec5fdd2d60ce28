package enterprises

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/surveys"
)

// quizzes is what credit repair needs from the surveys module: the quiz a
// course names, and a member's attempt at it.
type quizzes interface {
	Quiz(ctx context.Context, id int64) (*surveys.Survey, error)
	Attempt(ctx context.Context, residentID, attemptID int64) (*surveys.AttemptView, error)
}

// ErrCourseGone is an unknown repair course or one outside the member's
// department.
var ErrCourseGone = apperr.New(apperr.NotFound, "修复课程不存在")

// RepairCourse is a department's course for repairing its credit records
// of one kind: a quiz of the surveys module (fixed questions, or drawn from
// the question bank by tag) and the score that passes it. One course per
// department (nil: the district's records) and kind.
type RepairCourse struct {
	ID           int64     `json:"id,string"`
	DepartmentID *int64    `json:"department_id,string" doc:"the department whose records it repairs; null for district-wide records"`
	DeptKey      int64     `json:"-"`
	Kind         Kind      `json:"kind"`
	SurveyID     int64     `json:"survey_id,string" doc:"the quiz (a survey of kind quiz) a member passes"`
	PassScore    int       `json:"pass_score" doc:"the quiz score (0–100) at or above which the course is passed"`
	UpdatedBy    int64     `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Filled in lists: the quiz's title and the tags it draws by.
	QuizTitle string   `json:"quiz_title" gorm:"-"`
	QuizTags  []string `json:"quiz_tags" gorm:"-" doc:"the tags the quiz draws its questions by (empty: fixed questions or any tag)"`
}

// TableName maps RepairCourse to its table.
func (RepairCourse) TableName() string { return "credit_repair_courses" }

// CourseInput defines the course of the member's department for a record
// kind (the body of PUT /admin/credit-repair-courses).
type CourseInput struct {
	Kind      Kind  `json:"kind" binding:"required" doc:"the kind of credit records the course repairs (honor and tax_grade have nothing to repair: 400)"`
	SurveyID  int64 `json:"survey_id,string" binding:"required" example:"1" doc:"a quiz the department may use (its own or a district-wide one)"`
	PassScore int   `json:"pass_score" binding:"required,min=1,max=100" example:"80" doc:"the quiz score (1–100) that passes the course"`
}

func deptKey(d *int64) int64 {
	if d == nil {
		return 0
	}
	return *d
}

// PutCourse defines (or redefines) the course of the member's department
// for a kind of credit records; it applies to repairs started afterwards.
// Returns invalid_argument naming kind for a kind with nothing to repair
// and survey_id for a survey that is not a quiz the department may use.
func (s *Service) PutCourse(ctx context.Context, by *staff.Member, in CourseInput) (c *RepairCourse, created bool, err error) {
	fields := tagged(&in)
	if _, bad := fields["kind"]; !bad && positive(in.Kind) {
		fields["kind"] = "表彰荣誉和纳税信用记录无需修复"
	}
	if err := apperr.Fields(fields); err != nil {
		return nil, false, err
	}
	scope := by.Scope()
	quiz, err := s.quiz(ctx, in.SurveyID)
	if err != nil {
		return nil, false, err
	}
	if !scope.MayUse(quiz.DepartmentID) {
		return nil, false, apperr.Field("survey_id", "不是本部门可用的测验")
	}
	dept := scope.Department()
	now := s.now().UTC()
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var prev []RepairCourse
		if err := tx.Where("dept_key = ? AND kind = ?", deptKey(dept), in.Kind).Limit(1).Find(&prev).Error; err != nil {
			return fmt.Errorf("find course: %w", err)
		}
		if len(prev) == 1 {
			c = &prev[0]
			c.SurveyID, c.PassScore, c.UpdatedBy, c.UpdatedAt = in.SurveyID, in.PassScore, by.ID, now
			return tx.Model(c).Updates(map[string]any{"survey_id": in.SurveyID, "pass_score": in.PassScore, "updated_by": by.ID, "updated_at": now}).Error
		}
		c = &RepairCourse{DepartmentID: dept, DeptKey: deptKey(dept), Kind: in.Kind, SurveyID: in.SurveyID, PassScore: in.PassScore,
			UpdatedBy: by.ID, CreatedAt: now, UpdatedAt: now}
		created = true
		if err := tx.Create(c).Error; err != nil {
			if db.IsDuplicate(err) {
				return fmt.Errorf("create course: %w", db.ErrSerialization)
			}
			return fmt.Errorf("create course: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	staff.AuditTarget(ctx, "credit-repair-courses", strconv.FormatInt(c.ID, 10))
	c.QuizTitle, c.QuizTags = quiz.Title, quizTags(quiz)
	return c, created, nil
}

// quiz returns a quiz by ID; invalid_argument naming survey_id if there is
// none.
func (s *Service) quiz(ctx context.Context, id int64) (*surveys.Survey, error) {
	if s.quizzes == nil {
		return nil, errors.New("credit repair: no quiz source wired")
	}
	q, err := s.quizzes.Quiz(ctx, id)
	if errors.Is(err, surveys.ErrNotFound) {
		return nil, apperr.Field("survey_id", "测验不存在")
	}
	return q, err
}

func quizTags(q *surveys.Survey) []string {
	if q.Draw != nil && q.Draw.Tags != nil {
		return q.Draw.Tags
	}
	return []string{}
}

// FindCourses lists the courses of the scope's departments (every
// department's for the district), by kind.
func (s *Service) FindCourses(ctx context.Context, scope staff.Scope) ([]RepairCourse, error) {
	q := scope.Filter(s.db.WithContext(ctx).Model(&RepairCourse{}), staff.Columns{Department: "department_id"})
	if !scope.District() {
		q = q.Where("department_id IS NOT NULL")
	}
	cs := []RepairCourse{}
	if err := q.Order("dept_key, kind").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("find courses: %w", err)
	}
	for i := range cs {
		cs[i].QuizTags = []string{}
		if s.quizzes == nil {
			continue
		}
		if quiz, err := s.quizzes.Quiz(ctx, cs[i].SurveyID); err == nil {
			cs[i].QuizTitle, cs[i].QuizTags = quiz.Title, quizTags(quiz)
		}
	}
	return cs, nil
}

// DeleteCourse removes a course of the member's department: its records'
// repairs under way go on, no new one starts. Returns ErrCourseGone for an
// unknown course or another department's.
func (s *Service) DeleteCourse(ctx context.Context, by *staff.Member, id int64) error {
	var c RepairCourse
	if err := s.db.WithContext(ctx).Take(&c, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrCourseGone
		}
		return fmt.Errorf("find course: %w", err)
	}
	if !by.Scope().OwnsDepartment(c.DepartmentID) {
		return ErrCourseGone
	}
	if err := s.db.WithContext(ctx).Delete(&RepairCourse{}, "id = ?", id).Error; err != nil {
		return fmt.Errorf("delete course: %w", err)
	}
	staff.AuditTarget(ctx, "credit-repair-courses", strconv.FormatInt(id, 10))
	return nil
}

// courseFor returns the course repairing a record of department dept and
// kind through q, or nil if there is none.
func courseFor(q *gorm.DB, dept *int64, kind Kind) (*RepairCourse, error) {
	var cs []RepairCourse
	if err := q.Where("dept_key = ? AND kind = ?", deptKey(dept), kind).Limit(1).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("find course: %w", err)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return &cs[0], nil
}
