package enterprises

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
)

// Cause is why a rating was given.
type Cause string

// Enum lists the causes.
func (Cause) Enum() []string {
	return []string{string(CauseCreated), string(CauseRecord), string(CauseObjection), string(CauseDue), string(CauseRepair)}
}

// Causes of a rating, stored with it.
const (
	CauseCreated   Cause = "created"
	CauseRecord    Cause = "record"    // a credit record was written
	CauseObjection Cause = "objection" // an upheld objection removed a factor
	CauseDue       Cause = "due"       // a record expired or the rating period ended
)

// Rating is one rating given to an enterprise, kept forever as history.
// Factors are the counting credit records that produced Score.
type Rating struct {
	ID           int64     `json:"-"`
	EnterpriseID int64     `json:"-"`
	ModelVersion string    `json:"model_version"`
	Score        int       `json:"score"`
	Grade        Grade     `json:"grade"`
	Factors      []Factor  `json:"-" gorm:"serializer:json"`
	Cause        Cause     `json:"cause"`
	RatedAt      time.Time `json:"rated_at"`
	ValidUntil   time.Time `json:"valid_until"`
}

// TableName maps Rating to the ratings table.
func (Rating) TableName() string { return "ratings" }

// rateTx re-rates an enterprise inside tx: it locks the enterprise row,
// scores its records with the current model, stores the rating, mirrors it
// on the enterprise, tells the members if the grade changed (gradeNotice)
// and records benefit programs the enterprise newly qualifies for, queueing
// their notices (benefit_job.go).
func (s *Service) rateTx(tx *gorm.DB, enterpriseID int64, cause Cause) (*Rating, error) {
	var e Enterprise
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&e, "id = ?", enterpriseID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("lock enterprise: %w", err)
	}
	now := s.now().UTC()
	var records []CreditRecord
	if err := tx.Where("enterprise_id = ? AND expires_at > ? AND revoked_at IS NULL", enterpriseID, now).
		Order("id").Find(&records).Error; err != nil {
		return nil, fmt.Errorf("load credit records: %w", err)
	}
	sc, grade, factors, validUntil := score(records, now)
	var prev *Rating
	if e.Grade != "" && e.Grade != grade {
		var err error
		if prev, err = latestRating(tx, enterpriseID); err != nil {
			return nil, err
		}
	}
	r := &Rating{EnterpriseID: enterpriseID, ModelVersion: ModelVersion, Score: sc, Grade: grade,
		Factors: factors, Cause: cause, RatedAt: now, ValidUntil: validUntil}
	if err := tx.Create(r).Error; err != nil {
		return nil, fmt.Errorf("store rating: %w", err)
	}
	if prev != nil {
		if err := s.tellMembersTx(tx, enterpriseID, gradeNotice(&e, prev, r)); err != nil {
			return nil, err
		}
	}
	err := tx.Model(&Enterprise{}).Where("id = ?", enterpriseID).Updates(map[string]any{
		"grade": grade, "score": sc, "model_version": ModelVersion, "rated_at": now, "valid_until": validUntil, "updated_at": now,
	}).Error
	if err != nil {
		return nil, fmt.Errorf("update enterprise rating: %w", err)
	}
	e.Grade, e.Score = grade, &sc
	if err := s.matchProgramsTx(tx, &e, now); err != nil {
		return nil, err
	}
	return r, nil
}

// lockEnterprise takes the enterprise's row lock. Transactions that write
// rows referring to an enterprise and then re-rate it take this lock first:
// the foreign key check of the insert takes a shared lock on the row, and two
// such transactions upgrading to the exclusive lock would deadlock.
func lockEnterprise(tx *gorm.DB, id int64) error {
	var got []int64
	if err := tx.Model(&Enterprise{}).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Pluck("id", &got).Error; err != nil {
		return fmt.Errorf("lock enterprise: %w", err)
	}
	if len(got) == 0 {
		return ErrNotFound
	}
	return nil
}

// Rerate re-rates one enterprise now and runs the benefit notices it
// queued. Returns ErrNotFound if there is none.
func (s *Service) Rerate(ctx context.Context, enterpriseID int64, cause Cause) (*Rating, error) {
	r, err := s.rerate(ctx, enterpriseID, cause)
	if err != nil {
		return nil, err
	}
	s.noticesNow(ctx, "enterprise_id = ?", enterpriseID)
	return r, nil
}

func (s *Service) rerate(ctx context.Context, enterpriseID int64, cause Cause) (*Rating, error) {
	var r *Rating
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		r, err = s.rateTx(tx, enterpriseID, cause)
		return err
	})
	return r, err
}

// rerateWorkers is how many enterprises RerateDue re-rates at once (each
// in its own transaction; on SQLite they simply take turns).
const rerateWorkers = 8

// RerateDue re-rates every enterprise whose rating is no longer valid (a
// counted record expired, or the rating period ended) or that was never
// rated, then matches the running benefit programs again (see
// CreateProgram; the notices of new matches are queued jobs). It returns
// how many enterprises it re-rated.
func (s *Service) RerateDue(ctx context.Context) (int, error) {
	n := 0
	after := int64(0)
	for {
		var ids []int64
		err := s.db.WithContext(ctx).Model(&Enterprise{}).
			Where("(valid_until <= ? OR valid_until IS NULL) AND id > ?", s.now().UTC(), after).
			Order("id").Limit(500).Pluck("id", &ids).Error
		if err != nil {
			return n, fmt.Errorf("find due ratings: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		next := make(chan int64)
		errs := make(chan error, rerateWorkers)
		var wg sync.WaitGroup
		for range rerateWorkers {
			wg.Go(func() {
				for id := range next {
					if _, err := s.rerate(ctx, id, CauseDue); err != nil && !errors.Is(err, ErrNotFound) {
						errs <- fmt.Errorf("re-rate enterprise %d: %w", id, err)
						return
					}
				}
			})
		}
		for _, id := range ids {
			select {
			case next <- id:
				n++
			case err := <-errs:
				close(next)
				wg.Wait()
				return n, err
			}
		}
		close(next)
		wg.Wait()
		select {
		case err := <-errs:
			return n, err
		default:
		}
	}
	return n, s.sweepPrograms(ctx)
}

// History returns an enterprise's ratings, newest first, at most limit.
func (s *Service) History(ctx context.Context, enterpriseID int64, limit int) ([]Rating, error) {
	var rs []Rating
	if err := s.db.WithContext(ctx).Where("enterprise_id = ?", enterpriseID).Order("id DESC").Limit(limit).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("rating history: %w", err)
	}
	return rs, nil
}

// current returns an enterprise's newest rating.
func (s *Service) current(ctx context.Context, enterpriseID int64) (*Rating, error) {
	return latestRating(s.db.WithContext(ctx), enterpriseID)
}

// latestRating returns an enterprise's newest rating read through q.
// Returns ErrNotFound if it has none.
func latestRating(q *gorm.DB, enterpriseID int64) (*Rating, error) {
	var r Rating
	err := q.Where("enterprise_id = ?", enterpriseID).Order("id DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("current rating: %w", err)
	}
	return &r, nil
}

// RerateInterval is how often the worker looks for due ratings. Ratings
// fall due when a counted record expires, so expiries take effect within
// this interval (well within the daily re-rating the rules ask for).
const RerateInterval = time.Hour
