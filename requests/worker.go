package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
)

// EscalateAfterDays is how many whole working days a request may wait at a
// department's desk unaccepted before it is escalated: marked for the
// district (the escalated queue), the department keeps it.
const EscalateAfterDays = 1

// WorkInterval is how often the background work (RunChecks, Work) runs.
const WorkInterval = time.Minute

// Wake fires when the service's background work should run before its
// interval: a public request arrived whose content is to be checked.
func (s *Service) Wake() <-chan struct{} { return s.kick }

// Work runs one round of the background work other than content checks:
// escalation, the automatic 催办 of requests a working day from their
// deadline, closing requests not rated in time, dropping photos no
// request holds. (What a transition leaves to do is a job: settle.go.)
func (s *Service) Work(ctx context.Context) error {
	var errs []error
	if _, err := s.Escalate(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.AutoUrge(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.CloseUnrated(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.ExpireReferrals(ctx); err != nil {
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
		awaitingSign, now.Add(-24*time.Hour)).Order("arrived_at").Limit(500).Find(&rows).Error
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
				r.ID, awaitingSign, r.ArrivedAt).Update("escalated_at", now)
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

// JobDeleteObject is the kind of the jobs deleting a stored object (a
// request photo or its thumbnail, an avatar) once the transaction that
// dropped it has committed; the queue retries it until the store confirms.
const JobDeleteObject = "requests.delete_object"

type deleteJob struct {
	Key string `json:"key"`
}

// TrashTx queues, in tx, the deletion of a stored object once tx commits
// (JobDeleteObject, unique per key). Other modules' files (avatars) go the
// same way. The time is not used: the job is due at once.
func TrashTx(tx *gorm.DB, key string, _ time.Time) error {
	return jobs.Enqueue(tx, JobDeleteObject, key, deleteJob{Key: key})
}

// runDelete deletes a stored object; one already gone is no error.
func (s *Service) runDelete(ctx context.Context, payload []byte) error {
	var j deleteJob
	if err := json.Unmarshal(payload, &j); err != nil || j.Key == "" {
		return jobs.Permanent(fmt.Errorf("bad delete payload %q", payload))
	}
	return s.store.Delete(ctx, j.Key)
}

// trashPhotoTx queues the deletion of a photo's stored objects.
func trashPhotoTx(tx *gorm.DB, p *Photo, now time.Time) error {
	if err := TrashTx(tx, p.StorageKey, now); err != nil {
		return err
	}
	if p.ThumbKey != nil {
		return TrashTx(tx, *p.ThumbKey, now)
	}
	return nil
}

// Sweep drops uploads no submit attached within UnattachedPhotoTTL: their
// rows, and their stored objects by queued jobs (JobDeleteObject). It
// returns how many photos it dropped.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.clock()
	var stale []Photo
	err := s.db.WithContext(ctx).Where("request_id IS NULL AND uploaded_at < ?", now.Add(-UnattachedPhotoTTL)).Limit(500).Find(&stale).Error
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	n := 0
	for _, p := range stale {
		dropped := false
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			res := tx.Where("id = ? AND request_id IS NULL", p.ID).Delete(&Photo{})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			dropped = true
			return trashPhotoTx(tx, &p, now)
		})
		if err != nil {
			return n, fmt.Errorf("sweep: %w", err)
		}
		if dropped {
			n++
		}
	}
	return n, nil
}
