package surveys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Courses (学法修复, issue 29): another module (points' repair of a
// deduction) offers a quiz drawn from the bank by tag to one resident at a
// time. Its quiz is a survey of status Course, made on first use for the
// course's key and never listed to residents or staff (its attempts are
// started only through the course); a passed attempt enqueues the
// course's job (Course.Job) under the attempt's reference (Course.Ref), in
// the transaction that stores the passing result, with CoursePassed as
// its payload.

// Course is the status of a course's quiz: answered only through the
// course that starts its attempts.
const Course Status = "course"

// Course attempts' limits.
const (
	courseTimeLimit   = 20 * time.Minute
	courseAttemptsDay = 3
)

// CourseQuiz is a course's quiz as the module offering it states it.
type CourseQuiz struct {
	Key          string // one quiz per key (same terms, same quiz)
	Title        string
	DepartmentID *int64 // whose bank (with the shared one) it draws from
	Tag          string
	Questions    int
	PassScore    int
	Ref          string    // the attempt's reference: the job's key
	Job          string    // the job kind a pass enqueues
	Until        time.Time // no attempt runs past it (zero: no bound)
}

// CoursePassed is the payload of a course's job: which attempt passed,
// whose, for what reference and when.
type CoursePassed struct {
	Ref        string    `json:"ref"`
	ResidentID int64     `json:"resident_id,string"`
	AttemptID  int64     `json:"attempt_id,string"`
	Score      int       `json:"score"`
	PassedAt   time.Time `json:"passed_at"`
}

// StartCourseTx starts a quiz attempt of course c for a resident in tx (the
// offering module's transaction, which holds the resident's lock): the
// course's quiz is made on first use, today's attempts are limited
// (courseAttemptsDay), and the attempt's deadline is the time limit or
// c.Until, whichever is earlier. Returns the attempt's ID;
// ErrNoAttemptsLeft when today's attempts are used up, a conflict when the
// bank has no question with the tag.
func (s *Service) StartCourseTx(tx *gorm.DB, residentID int64, c CourseQuiz) (int64, error) {
	if c.Key == "" || c.Ref == "" || c.Job == "" || c.Questions < 1 {
		return 0, errors.New("start course: key, reference, job and questions are required")
	}
	now := s.now().UTC()
	sv, err := s.courseQuiz(tx, c, now)
	if err != nil {
		return 0, err
	}
	today := district.Date(now)
	var started int64
	if err := tx.Model(&Attempt{}).Where("survey_id = ? AND resident_id = ? AND day = ?", sv.ID, residentID, today).
		Count(&started).Error; err != nil {
		return 0, err
	}
	if int(started) >= sv.AttemptsPerDay {
		return 0, ErrNoAttemptsLeft.With("attempts_per_day", sv.AttemptsPerDay)
	}
	seed := newSeed()
	qs, err := s.draw(tx, sv, seed)
	if err != nil {
		return 0, err
	}
	who, err := s.placeOf(tx, residentID)
	if err != nil {
		return 0, err
	}
	deadline := now.Add(time.Duration(sv.TimeLimitS) * time.Second)
	if !c.Until.IsZero() && c.Until.Before(deadline) {
		deadline = c.Until.UTC()
	}
	a := Attempt{
		SurveyID: sv.ID, ResidentID: residentID, Day: today, Seq: int(started) + 1, Street: who.Street,
		Community: who.Community, Seed: seed, Questions: qs, StartedAt: now, Deadline: deadline, CourseRef: c.Ref,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Omit("answers").Create(&a).Error; err != nil {
		if isDuplicate(err) {
			return 0, apperr.New(apperr.Conflict, "请稍后再试")
		}
		return 0, err
	}
	return a.ID, nil
}

// courseQuiz returns course c's quiz, making it on first use.
func (s *Service) courseQuiz(tx *gorm.DB, c CourseQuiz, now time.Time) (*Survey, error) {
	find := func() (*Survey, error) {
		var svs []Survey
		if err := tx.Where("course_key = ?", c.Key).Limit(1).Find(&svs).Error; err != nil {
			return nil, fmt.Errorf("find course quiz: %w", err)
		}
		if len(svs) == 0 {
			return nil, nil
		}
		return &svs[0], nil
	}
	if sv, err := find(); err != nil || sv != nil {
		return sv, err
	}
	key := c.Key
	sv := Survey{
		DepartmentID: c.DepartmentID, Kind: Quiz, Title: c.Title, Audience: notify.Audience{}, OpensAt: now,
		DrawTags: []string{c.Tag}, DrawCount: c.Questions, TimeLimitS: int(courseTimeLimit / time.Second),
		AttemptsPerDay: courseAttemptsDay, PassScore: c.PassScore, RetentionDays: 365, Status: Course,
		CourseKey: &key, CourseJob: c.Job, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Omit("Draw", "Questions").Create(&sv).Error; err != nil {
		return nil, fmt.Errorf("make course quiz: %w", err)
	}
	sv2, err := find()
	if err == nil && sv2 == nil {
		err = errors.New("course quiz vanished")
	}
	return sv2, err
}

// enqueueCourse queues the course's job of a passed attempt a of sv (in
// tx, the submit's transaction); nothing for an attempt of no course.
func enqueueCourse(tx *gorm.DB, sv *Survey, a *Attempt, score int, at time.Time) (kind, key string, err error) {
	if sv.Status != Course || sv.CourseJob == "" || a.CourseRef == "" {
		return "", "", nil
	}
	err = jobs.Enqueue(tx, sv.CourseJob, a.CourseRef, CoursePassed{
		Ref: a.CourseRef, ResidentID: a.ResidentID, AttemptID: a.ID, Score: score, PassedAt: at,
	})
	return sv.CourseJob, a.CourseRef, err
}

// TagCount is a tag of the question bank with how many scored questions a
// quiz drawing by it finds.
type TagCount struct {
	Tag       string `json:"tag"`
	Questions int64  `json:"questions" doc:"current scored questions (single, multi, judge) with the tag that a quiz of the department may draw"`
}

// QuizTags lists the tags of the scored, current questions a quiz of by's
// department may draw (its own and the shared bank), with their counts,
// by tag: what a repair course's tag is picked from.
func (s *Service) QuizTags(ctx context.Context, by staff.Scope) ([]TagCount, error) {
	gdb := s.db.WithContext(ctx)
	ids := s.visibleQuestions(gdb, by).Select("id").
		Where("type IN ?", []QuestionType{Single, Multi, Judge}).Where("answer <> '[]'").Where("retired_at IS NULL")
	var out []TagCount
	err := gdb.Table("survey_question_tags").Select("tag, COUNT(*) AS questions").
		Where("question_id IN (?)", ids).Group("tag").Order("tag").Limit(500).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("quiz tags: %w", err)
	}
	return out, nil
}
