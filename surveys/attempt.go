package surveys

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
)

// Attempt is one resident's go at a quiz. It holds the questions drawn for
// it with their shuffled options and the seed that drew them (for audit:
// the draw is replayable from the seed and the pool in ID order). It can be
// submitted once, before its deadline.
type Attempt struct {
	ID            int64               `json:"id,string"`
	SurveyID      int64               `json:"survey_id,string"`
	ResidentID    int64               `json:"resident_id,string"`
	Day           string              `json:"day"`
	Seq           int                 `json:"seq"`
	Street        string              `json:"street"`
	Community     string              `json:"community"`
	Seed          int64               `json:"seed"`
	Questions     []drawn             `json:"questions" gorm:"serializer:json"`
	StartedAt     time.Time           `json:"started_at"`
	Deadline      time.Time           `json:"deadline"`
	SubmittedAt   *time.Time          `json:"submitted_at"`
	Answers       map[string][]string `json:"answers" gorm:"serializer:json"`
	Score         *int                `json:"score"`
	Passed        bool                `json:"passed"`
	Fast          bool                `json:"fast"`
	PointsAwarded int64               `json:"points_awarded"`
	PointsStatus  PointsStatus        `json:"points_status"`
	CourseRef     string              `json:"-"` // an attempt of a course: what its pass is for (CourseQuiz.Ref)
	ErasedAt      *time.Time          `json:"-"` // its answers erased past retention
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// TableName maps Attempt to its table.
func (Attempt) TableName() string { return "survey_attempts" }

// drawn is one question of an attempt with its options in the order shown.
type drawn struct {
	QuestionID int64    `json:"question_id,string"`
	Options    []string `json:"options"`
}

// StartedAttempt is what a resident gets when starting a quiz: the
// questions, no answers.
type StartedAttempt struct {
	AttemptID int64            `json:"attempt_id,string"`
	Questions []PublicQuestion `json:"questions"`
	StartedAt time.Time        `json:"started_at"`
	Deadline  time.Time        `json:"deadline"`
}

// submitGrace absorbs network latency at the deadline.
const submitGrace = 2 * time.Second

// fastPerQuestion is the least plausible time per question; attempts
// submitted faster are flagged in stats.
const fastPerQuestion = 2 * time.Second

// Start begins a quiz attempt: it draws the questions (fixed ones, or count
// from the bank by tags), shuffles each question's options, and keeps the
// seed. The deadline is the time limit from now, or closes_at if earlier.
// Returns ErrNotFound unless the quiz is open to the resident, and
// ErrNoAttemptsLeft when today's attempts are used up.
func (s *Service) Start(ctx context.Context, residentID, surveyID int64) (*StartedAttempt, error) {
	var out *StartedAttempt
	var err error
	// A concurrent start may take the same sequence number; run again to
	// take the next one (or find the allowance used up).
	for range 20 {
		out, err = s.start(ctx, residentID, surveyID)
		if !errors.Is(err, errSeqTaken) {
			break
		}
	}
	return out, err
}

var errSeqTaken = errors.New("attempt sequence taken")

func (s *Service) start(ctx context.Context, residentID, surveyID int64) (*StartedAttempt, error) {
	now := s.now().UTC()
	var out *StartedAttempt
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		sv, err := s.openTo(tx, residentID, surveyID, now)
		if err != nil {
			return err
		}
		if sv.Kind != Quiz {
			return apperr.New(apperr.Invalid, "只有测验需要开始答题，问卷请直接提交")
		}
		today := district.Date(now)
		var started int64
		if err := tx.Model(&Attempt{}).Where("survey_id = ? AND resident_id = ? AND day = ?", sv.ID, residentID, today).
			Count(&started).Error; err != nil {
			return err
		}
		if int(started) >= sv.AttemptsPerDay {
			return ErrNoAttemptsLeft.With("attempts_per_day", sv.AttemptsPerDay)
		}
		seed := newSeed()
		qs, err := s.draw(tx, sv, seed)
		if err != nil {
			return err
		}
		who, err := s.placeOf(tx, residentID)
		if err != nil {
			return err
		}
		deadline := now.Add(time.Duration(sv.TimeLimitS) * time.Second)
		if sv.ClosesAt != nil && sv.ClosesAt.Before(deadline) {
			deadline = *sv.ClosesAt
		}
		a := Attempt{
			SurveyID: sv.ID, ResidentID: residentID, Day: today, Seq: int(started) + 1, Street: who.Street,
			Community: who.Community, Seed: seed, Questions: qs, StartedAt: now, Deadline: deadline,
			CreatedAt: now, UpdatedAt: now,
		}
		// The unique (survey, resident, day, seq) turns a concurrent start
		// with the same count into a duplicate, so the allowance holds.
		if err := tx.Omit("answers").Create(&a).Error; err != nil {
			if isDuplicate(err) {
				return errSeqTaken
			}
			return err
		}
		ids := make([]int64, len(qs))
		for i, d := range qs {
			ids[i] = d.QuestionID
		}
		byID, err := s.questionsByID(tx, ids)
		if err != nil {
			return err
		}
		out = &StartedAttempt{AttemptID: a.ID, StartedAt: now, Deadline: deadline, Questions: make([]PublicQuestion, len(qs))}
		for i, d := range qs {
			q := byID[d.QuestionID]
			out.Questions[i] = PublicQuestion{ID: q.ID, Type: q.Type, Stem: q.Stem, Options: d.Options, Required: true}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("start attempt: %w", err)
	}
	return out, nil
}

func newSeed() int64 {
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}

// draw picks an attempt's questions with a generator seeded by seed: the
// fixed questions in a shuffled order, or count questions from the pool.
// Each question's options are shuffled too.
func (s *Service) draw(tx *gorm.DB, sv *Survey, seed int64) ([]drawn, error) {
	var ids []int64
	if sv.DrawCount > 0 {
		pool, err := s.pool(tx, sv)
		if err != nil {
			return nil, err
		}
		ids = pool
	} else {
		var err error
		if err = tx.Table("survey_items").Where("survey_id = ?", sv.ID).Order("position").Pluck("question_id", &ids).Error; err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(sv.ID)))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if sv.DrawCount > 0 && len(ids) > sv.DrawCount {
		ids = ids[:sv.DrawCount]
	}
	if len(ids) == 0 {
		return nil, apperr.New(apperr.Conflict, "题库中暂无可用题目")
	}
	byID, err := s.questionsByID(tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]drawn, len(ids))
	for i, id := range ids {
		opts := slices.Clone(byID[id].Options)
		if byID[id].Type != Judge { // 对/错 keep their natural order
			rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		}
		out[i] = drawn{QuestionID: id, Options: opts}
	}
	return out, nil
}
