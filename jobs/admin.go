package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
)

// StuckAfter is how long past its time a queued job may wait before it
// counts as stuck: workers poll every second, so one this late has no
// worker that runs its kind.
const StuckAfter = 5 * time.Minute

// Filter selects jobs for operators. Status is one of the statuses, or
// "stuck": running past its lease (its process died and no worker took it
// back yet) or queued StuckAfter past its time.
type Filter struct {
	Status FilterStatus
	Kind   string
	Before int64 // IDs below this (0: from the newest)
	Limit  int
}

// Validate returns an invalid_argument error naming "status" for an
// unknown status.
func (f Filter) Validate() error {
	if f.Status != "" && !slices.Contains(f.Status.Enum(), string(f.Status)) {
		return apperr.Field("status", check.OneOfMessage(f.Status.Enum()))
	}
	return nil
}

// FilterStatus is a Status, or stuck.
type FilterStatus string

// Enum lists the statuses a list may ask for.
func (FilterStatus) Enum() []string { return append(Status("").Enum(), "stuck") }

// List returns jobs matching f, newest first, and the ID to pass as Before
// for the next page (0 when there is none). Returns an invalid_argument
// error naming "status" for an unknown status.
func (q *Queue) List(ctx context.Context, f Filter) ([]Job, int64, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	tx := q.db.WithContext(ctx).Model(&Job{})
	now := q.clock()
	switch f.Status {
	case "":
	case "stuck":
		tx = tx.Where("(status = ? AND run_at < ?) OR (status = ? AND run_at < ?)", Running, now, Queued, now.Add(-StuckAfter))
	default:
		tx = tx.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		tx = tx.Where("kind = ?", f.Kind)
	}
	if f.Before > 0 {
		tx = tx.Where("id < ?", f.Before)
	}
	limit := max(f.Limit, 1)
	var out []Job
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list jobs: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Get returns job id. Returns ErrNotFound if there is none.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	return get(q.db.WithContext(ctx), id)
}

func get(tx *gorm.DB, id int64) (*Job, error) {
	var j Job
	err := tx.Where("id = ?", id).Take(&j).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get job: %w", err)
	}
	return &j, nil
}

// Retry queues job id to run at once with a fresh set of attempts: a
// failed or cancelled job, or a queued one waiting for its backoff. It
// runs in a transaction of its own (db.Transact: an audit entry the
// context carries commits with it). Returns ErrNotFound, ErrRunning for a
// job being run (or whose lease has not yet run out), ErrFinished for a
// job done.
func (q *Queue) Retry(ctx context.Context, id int64) (*Job, error) {
	return q.change(ctx, id, []string{Failed, Cancelled, Queued}, func() map[string]any {
		return map[string]any{"status": Queued, "run_at": q.clock(), "attempts": 0, "finished_at": nil}
	})
}

// Cancel stops job id from running again: a queued or failed one (a failed
// job cancelled leaves the operators' list of failures), in a transaction
// of its own. Returns ErrNotFound, ErrRunning for a job being run,
// ErrFinished for one done or already cancelled.
func (q *Queue) Cancel(ctx context.Context, id int64) (*Job, error) {
	return q.change(ctx, id, []string{Queued, Failed}, func() map[string]any {
		return map[string]any{"status": Cancelled, "finished_at": q.clock()}
	})
}

func (q *Queue) change(ctx context.Context, id int64, from []string, upd func() map[string]any) (*Job, error) {
	var out *Job
	err := db.Transact(ctx, q.db, func(tx *gorm.DB) error {
		var err error
		out, err = q.changeTx(tx, id, from, upd())
		return err
	})
	return out, err
}

func (q *Queue) changeTx(tx *gorm.DB, id int64, from []string, upd map[string]any) (*Job, error) {
	j, err := get(tx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case j.Status == Running:
		return nil, ErrRunning
	case !slices.Contains(from, string(j.Status)):
		return nil, ErrFinished
	}
	upd["updated_at"] = q.clock()
	res := tx.Model(&Job{}).Where("id = ? AND status = ?", id, j.Status).Updates(upd)
	if res.Error != nil {
		return nil, fmt.Errorf("change job: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrRunning // a worker claimed it meanwhile
	}
	return get(tx, id)
}

// KindStats counts the jobs of one kind in one status.
type KindStats struct {
	Kind   string
	Status string
	Count  int64
	Oldest time.Time // the earliest run_at among them
}

// Stats counts the queued, running and failed jobs per kind, for metrics.
func (q *Queue) Stats(ctx context.Context) ([]KindStats, error) {
	var rows []KindStats
	err := q.db.WithContext(ctx).Model(&Job{}).Select("kind, status, COUNT(*) AS count").
		Where("status IN ?", []string{Queued, Running, Failed}).Group("kind, status").Order("kind, status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("job stats: %w", err)
	}
	// The oldest by the (kind, status, run_at) index, one row each: MIN()
	// would come back untyped from SQLite.
	for i := range rows {
		var j Job
		err := q.db.WithContext(ctx).Select("run_at").Where("kind = ? AND status = ?", rows[i].Kind, rows[i].Status).
			Order("run_at").Limit(1).Find(&j).Error
		if err != nil {
			return nil, fmt.Errorf("job stats: %w", err)
		}
		rows[i].Oldest = j.RunAt
	}
	return rows, nil
}

// DoneRetention is how long a done job is kept (for operators and
// idempotency questions) before Prune deletes it.
const DoneRetention = 7 * 24 * time.Hour

// Prune deletes up to 1000 jobs done more than DoneRetention ago and
// returns how many. Failed and cancelled jobs stay for operators.
func (q *Queue) Prune(ctx context.Context) (int, error) {
	var ids []int64
	err := q.db.WithContext(ctx).Model(&Job{}).Where("status = ? AND finished_at < ?", Done, q.clock().Add(-DoneRetention)).
		Limit(1000).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	res := q.db.WithContext(ctx).Where("id IN ? AND status = ?", ids, Done).Delete(&Job{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune jobs: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
