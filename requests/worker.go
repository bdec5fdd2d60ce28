package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
)

// EscalateAfterDays is how many whole working days a request may wait at a
// department's desk unaccepted before it is escalated: marked for the
// district (the escalated queue), the department keeps it.
const EscalateAfterDays = 1

// WorkInterval is how often Run does its rounds.
const WorkInterval = time.Minute

// Run does the service's background work every interval until ctx ends:
// content checks (at once when a public request arrives), escalation,
// closing requests not rated in time, settling what an outage left undone
// (notices, points, complaint records), and deleting photos no request
// holds. onErr is told of failures.
func (s *Service) Run(ctx context.Context, interval time.Duration, onErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.RunChecks(ctx, 100); err != nil && ctx.Err() == nil {
			onErr(err)
		}
		if err := s.Work(ctx); err != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Work runs one round of the background work other than content checks.
func (s *Service) Work(ctx context.Context) error {
	var errs []error
	if _, err := s.Escalate(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.CloseUnrated(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.settleDue(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Escalate marks requests that waited EscalateAfterDays working days at
// their department unaccepted. It returns how many it marked.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	cal, err := s.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.clock()
	var rows []Request
	// Anything escalatable arrived at least a day ago.
	err = s.db.WithContext(ctx).Where("status IN ? AND escalated_at IS NULL AND arrived_at < ?",
		[]string{StatusSubmitted, StatusTransferred}, now.Add(-24*time.Hour)).Order("arrived_at").Limit(500).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("escalate: %w", err)
	}
	n := 0
	for _, r := range rows {
		if cal.WorkingDaysBetween(r.ArrivedAt, now) < EscalateAfterDays {
			continue
		}
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			// Not a change of status: the version stays, so an officer
			// accepting meanwhile is not refused.
			res := tx.Model(&Request{}).Where("id = ? AND escalated_at IS NULL AND status IN ? AND arrived_at = ?",
				r.ID, []string{StatusSubmitted, StatusTransferred}, r.ArrivedAt).Update("escalated_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			n++
			return tx.Create(&Event{RequestID: r.ID, Action: ActEscalate, ToDepartmentID: r.DepartmentID, CreatedAt: now}).Error
		})
		if err != nil {
			return n, fmt.Errorf("escalate: %w", err)
		}
	}
	return n, nil
}

// CloseUnrated closes answered requests not rated within RatingWindow.
func (s *Service) CloseUnrated(ctx context.Context) (int, error) {
	now := s.clock()
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Request{}).Where("status = ? AND answered_at <= ?", StatusAnswered, now.Add(-RatingWindow)).
		Limit(500).Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("close unrated: %w", err)
	}
	n := 0
	for _, id := range ids {
		_, err := s.apply(ctx, func(tx *gorm.DB) (*Request, error) { return load(tx, id) },
			change{ev: event{Action: ActClose, By: BySystem, Now: now}, fill: func(r *Request, upd map[string]any, e *Event) error {
				upd["closed_at"] = now
				return nil
			}})
		if errors.Is(err, ErrStale) || errors.Is(err, ErrWrongState) {
			continue // rated meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// settleDue settles requests whose notices, points or complaint record an
// outage left undone.
func (s *Service) settleDue(ctx context.Context) error {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Request{}).Where(
		"erased_at IS NULL AND ((accepted_at IS NOT NULL AND accept_noticed_at IS NULL) OR (status = ? AND answer_noticed_at IS NULL) OR points_outcome = ? OR (complaint_uscc <> '' AND credit_record_id IS NULL))",
		StatusAnswered, outcomePending).Limit(200).Pluck("id", &ids).Error
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.settleErr(ctx, id))
	}
	return errors.Join(errs...)
}

type trash struct {
	StorageKey string `gorm:"primaryKey"`
	Attempts   int
	CreatedAt  time.Time
}

func (trash) TableName() string { return "storage_trash" }

// TrashTx records a stored object to delete once tx commits; Sweep deletes
// it, retrying until the store confirms. Other modules' files (avatars) go
// the same way.
func TrashTx(tx *gorm.DB, key string, now time.Time) error {
	return tx.Create(&trash{StorageKey: key, CreatedAt: now}).Error
}

// trashPhotoTx records a photo's stored objects to delete.
func trashPhotoTx(tx *gorm.DB, p *Photo, now time.Time) error {
	if err := TrashTx(tx, p.StorageKey, now); err != nil {
		return err
	}
	if p.ThumbKey != nil {
		return TrashTx(tx, *p.ThumbKey, now)
	}
	return nil
}

// Sweep deletes photos no request holds: uploads never attached within
// UnattachedPhotoTTL, and the stored objects of erased photos. It returns
// how many objects it deleted.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.clock()
	var stale []Photo
	err := s.db.WithContext(ctx).Where("request_id IS NULL AND uploaded_at < ?", now.Add(-UnattachedPhotoTTL)).Limit(500).Find(&stale).Error
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	for _, p := range stale {
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			res := tx.Where("id = ? AND request_id IS NULL", p.ID).Delete(&Photo{})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			return trashPhotoTx(tx, &p, now)
		})
		if err != nil {
			return 0, fmt.Errorf("sweep: %w", err)
		}
	}
	var ts []trash
	if err := s.db.WithContext(ctx).Order("created_at").Limit(500).Find(&ts).Error; err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	n := 0
	var errs []error
	for _, t := range ts {
		if err := s.store.Delete(ctx, t.StorageKey); err != nil {
			errs = append(errs, err)
			s.db.WithContext(ctx).Model(&trash{}).Where("storage_key = ?", t.StorageKey).Update("attempts", t.Attempts+1)
			continue
		}
		if err := s.db.WithContext(ctx).Where("storage_key = ?", t.StorageKey).Delete(&trash{}).Error; err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
