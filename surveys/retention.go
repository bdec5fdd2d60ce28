package surveys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
)

// Retention: a survey keeps the answers given to it RetentionDays days.
// Then the worker erases their content (the answers, the chosen options,
// a quiz's per-question results) and adds what statistics count of them to
// anonymous tallies per question, day and street (survey_question_tallies,
// survey_value_tallies), so statistics after the erasure equal those
// before. What remains of an erased response or attempt is that the
// resident took part on that day from that street, with a quiz's score:
// the participation the statistics and the points ledger count.

// Retention periods, in days (the most a survey may set is
// NewSurvey.RetentionDays' binding tag).
const (
	DeclarationRetentionDays = 90  // health declarations, by default
	DefaultRetentionDays     = 365 // questionnaires and quizzes, by default
)

// RetentionInterval is how often the retention worker looks for answers
// past their retention.
const RetentionInterval = time.Hour

// eraseBatch is how many responses (attempts) one erasure transaction takes.
const eraseBatch = 500

// defaultRetention is the retention of a survey of kind when its creator
// names none.
func defaultRetention(kind Kind) int {
	if kind == Declaration {
		return DeclarationRetentionDays
	}
	return DefaultRetentionDays
}

// errErasedMeanwhile ends an erasure that found part of its batch erased
// by another process; what is left is for the next round.
var errErasedMeanwhile = errors.New("erased meanwhile")

// EraseExpired erases the answers of every survey given longer ago than
// the survey's retention, in batches of eraseBatch, and returns how many
// responses and attempts it erased. Each batch is erased and tallied in
// one transaction, so a batch is never counted twice, even with several
// processes running the worker.
func (s *Service) EraseExpired(ctx context.Context) (int, error) {
	now := s.now().UTC()
	total := 0
	for after := int64(0); ; {
		var svs []Survey
		if err := s.db.WithContext(ctx).Select("id", "kind", "retention_days").Where("id > ?", after).
			Order("id").Limit(100).Find(&svs).Error; err != nil {
			return total, fmt.Errorf("erase expired answers: %w", err)
		}
		for i := range svs {
			sv := &svs[i]
			cutoff := now.Add(-time.Duration(sv.RetentionDays) * 24 * time.Hour)
			erase := s.eraseResponses
			if sv.Kind == Quiz {
				erase = s.eraseAttempts
			}
			for {
				n, err := erase(ctx, sv.ID, cutoff, now)
				total += n
				if errors.Is(err, errErasedMeanwhile) {
					break
				}
				if err != nil {
					return total, fmt.Errorf("erase answers of survey %d: %w", sv.ID, err)
				}
				if n < eraseBatch {
					break
				}
			}
			after = sv.ID
		}
		if len(svs) < 100 {
			return total, nil
		}
	}
}

// tally is a count to add to a tally row.
type tally struct {
	QuestionID int64
	Day        string
	Street     string
	Value      string
	N          int64 // answered (values: times given)
	Correct    int64
}

// claim marks the rows ids of table erased, emptying their answers, and
// fails with errErasedMeanwhile unless it marked them all.
func claim(tx *gorm.DB, table string, ids []int64, now time.Time) error {
	res := tx.Table(table).Where("id IN ? AND erased_at IS NULL", ids).Updates(map[string]any{"answers": "{}", "erased_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != int64(len(ids)) {
		return errErasedMeanwhile
	}
	return nil
}

// eraseResponses erases one batch of a questionnaire's or declaration's
// responses submitted before cutoff, and returns its size.
func (s *Service) eraseResponses(ctx context.Context, surveyID int64, cutoff, now time.Time) (int, error) {
	var n int
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Model(&Response{}).Where("survey_id = ? AND erased_at IS NULL AND submitted_at < ?", surveyID, cutoff).
			Order("id").Limit(eraseBatch).Pluck("id", &ids).Error; err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		if err := claim(tx, "survey_responses", ids, now); err != nil {
			return err
		}
		rows := func() *gorm.DB {
			return tx.Table("survey_choices c").Joins("JOIN survey_responses r ON r.id = c.response_id").Where("c.response_id IN ?", ids)
		}
		var answered, values []tally
		if err := rows().Select("c.question_id, r.day, r.street, COUNT(DISTINCT c.response_id) AS n").
			Group("c.question_id, r.day, r.street").Scan(&answered).Error; err != nil {
			return err
		}
		// A text answer's row (value "") only marks it answered.
		if err := rows().Where("c.value <> ''").Select("c.question_id, r.day, r.street, c.value, COUNT(*) AS n").
			Group("c.question_id, r.day, r.street, c.value").Scan(&values).Error; err != nil {
			return err
		}
		if err := addTallies(tx, surveyID, answered, values); err != nil {
			return err
		}
		return tx.Exec("DELETE FROM survey_choices WHERE response_id IN ?", ids).Error
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// eraseAttempts erases one batch of a quiz's attempts submitted before
// cutoff, and returns its size. The attempt keeps its score.
func (s *Service) eraseAttempts(ctx context.Context, surveyID int64, cutoff, now time.Time) (int, error) {
	var n int
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Model(&Attempt{}).Where("survey_id = ? AND erased_at IS NULL AND submitted_at < ?", surveyID, cutoff).
			Order("id").Limit(eraseBatch).Pluck("id", &ids).Error; err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		if err := claim(tx, "survey_attempts", ids, now); err != nil {
			return err
		}
		var answered []tally
		if err := tx.Table("survey_attempt_items i").Joins("JOIN survey_attempts a ON a.id = i.attempt_id").Where("i.attempt_id IN ?", ids).
			Select("i.question_id, a.day, a.street, COUNT(*) AS n, COALESCE(SUM(CASE WHEN i.correct THEN 1 ELSE 0 END), 0) AS correct").
			Group("i.question_id, a.day, a.street").Scan(&answered).Error; err != nil {
			return err
		}
		if err := addTallies(tx, surveyID, answered, nil); err != nil {
			return err
		}
		return tx.Exec("DELETE FROM survey_attempt_items WHERE attempt_id IN ?", ids).Error
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// addTallies adds counts to a survey's tallies: answered (and correct)
// per question, and how often each value was given.
func addTallies(tx *gorm.DB, surveyID int64, answered, values []tally) error {
	key := []clause.Column{{Name: "survey_id"}, {Name: "question_id"}, {Name: "day"}, {Name: "street"}}
	for _, t := range answered {
		err := tx.Clauses(clause.OnConflict{Columns: key, DoUpdates: clause.Assignments(map[string]any{
			"answered": gorm.Expr("answered + ?", t.N), "correct": gorm.Expr("correct + ?", t.Correct),
		})}).Table("survey_question_tallies").Create(map[string]any{
			"survey_id": surveyID, "question_id": t.QuestionID, "day": t.Day, "street": t.Street, "answered": t.N, "correct": t.Correct,
		}).Error
		if err != nil {
			return fmt.Errorf("tally answers: %w", err)
		}
	}
	key = append(key, clause.Column{Name: "value"})
	for _, t := range values {
		err := tx.Clauses(clause.OnConflict{Columns: key, DoUpdates: clause.Assignments(map[string]any{
			"n": gorm.Expr("n + ?", t.N),
		})}).Table("survey_value_tallies").Create(map[string]any{
			"survey_id": surveyID, "question_id": t.QuestionID, "day": t.Day, "street": t.Street, "value": t.Value, "n": t.N,
		}).Error
		if err != nil {
			return fmt.Errorf("tally values: %w", err)
		}
	}
	return nil
}
