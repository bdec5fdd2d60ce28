// Package jobs is the durable job queue: what a change leaves for other
// modules to do once it has committed (grant a quiz's points, credit an
// activity, settle a request) is enqueued in the change's own transaction
// (Enqueue) and done later, at least once, by the handler the owning
// module registered for its kind (Queue.Register). Handlers must be
// idempotent: a job runs again when its attempt failed, and may run twice
// if its process died between the handler's effect and recording it.
//
// Jobs are claimed with FOR UPDATE SKIP LOCKED and a lease (on SQLite,
// whose transactions take the write lock at BEGIN, claimers simply queue),
// retried with capped exponential backoff and jitter, and after their last
// attempt kept as failed with their error for an operator to retry or
// cancel (List, Retry, Cancel).
package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
)

// Status is where a job stands.
type Status string

// Enum lists the statuses.
func (Status) Enum() []string { return []string{Queued, Running, Done, Failed, Cancelled} }

// The statuses of a job.
const (
	Queued    = "queued"    // waiting for run_at
	Running   = "running"   // claimed until lease_until
	Done      = "done"      // its handler succeeded
	Failed    = "failed"    // out of attempts, or refused for good (Permanent)
	Cancelled = "cancelled" // by an operator
)

// DefaultMaxAttempts is how many times a job is tried before it is kept as
// failed: with the default backoff (5 s doubling to 30 min) about three
// hours of retries.
const DefaultMaxAttempts = 15

// Errors returned to operators.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "任务不存在")
	ErrRunning  = apperr.New(apperr.Conflict, "任务正在执行，稍后再试")
	ErrFinished = apperr.New(apperr.Conflict, "任务已完成")
)

// Job is one unit of work after a commit. Its payload holds IDs, never
// personal data, so operators may read it. (Kind, Key) is unique: the
// same effect is enqueued once however often its cause is retried.
type Job struct {
	ID          int64      `json:"id,string"`
	Kind        string     `json:"kind" doc:"what it does, named by the module that owns it: surveys.award, requests.settle, activities.grant"`
	Key         string     `json:"key" gorm:"column:unique_key" doc:"what it is for, unique per kind (e.g. attempt:12)"`
	Payload     string     `json:"payload" doc:"the handler's input, JSON; IDs only"`
	Status      Status     `json:"status"`
	Attempts    int        `json:"attempts" doc:"attempts made (a retry by an operator starts again at 0)"`
	MaxAttempts int        `json:"max_attempts"`
	RunAt       time.Time  `json:"run_at" doc:"queued: when it (re)tries; running: when its lease ends"`
	LeaseOwner  string     `json:"-"`
	LeaseUntil  *time.Time `json:"lease_until" doc:"while running: until when its worker holds it"`
	LastError   string     `json:"last_error" doc:"the last attempt's error, for operators ('' if none)"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	FinishedAt  *time.Time `json:"finished_at" doc:"when it was done, failed for good or cancelled"`
}

// TableName maps Job to its table.
func (Job) TableName() string { return "jobs" }

// Enqueue records a job of kind, unique on (kind, key), in tx: the
// transaction of the change that causes it, so the job exists exactly when
// the change committed. A job already recorded under the key is left as it
// is (no error): a retried request enqueues once. payload is stored as
// JSON. It runs as soon as a worker is free.
func Enqueue(tx *gorm.DB, kind, key string, payload any) error {
	return EnqueueAt(tx, kind, key, payload, time.Now())
}

// EnqueueAt is Enqueue for a job due at runAt.
func EnqueueAt(tx *gorm.DB, kind, key string, payload any, runAt time.Time) error {
	if kind == "" || key == "" {
		return errors.New("enqueue: kind and key are required")
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	now := time.Now().UTC()
	j := Job{Kind: kind, Key: key, Payload: string(b), Status: Queued, MaxAttempts: DefaultMaxAttempts,
		RunAt: runAt.UTC(), CreatedAt: now, UpdatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&j).Error; err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	return nil
}

// permanent marks a handler error that no retry can cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps a handler's error so the job fails at once instead of
// being retried (a payload that names nothing, a refusal for good).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
