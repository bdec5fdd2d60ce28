package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/jobs"
)

// A survey's points are granted after the answers commit, by a job
// enqueued in the answers' transaction: an outage of the points module
// between the two can delay the grant, never lose it. The resident sees
// where it stands in points_status.

// The points status of an attempt or a response.
const (
	PointsNone    PointsStatus = ""        // no points rule, or a quiz not passed
	PointsPending PointsStatus = "pending" // 积分发放中: the grant is queued
	PointsGranted PointsStatus = "granted"
	PointsRefused PointsStatus = "refused" // a cap, or a rule the survey may not use
)

// PointsStatus is where the points of an attempt or a response stand.
type PointsStatus string

// Enum lists the points statuses ("" too: none to grant).
func (PointsStatus) Enum() []string {
	return []string{string(PointsNone), string(PointsPending), string(PointsGranted), string(PointsRefused)}
}

// JobAward is the kind of the jobs granting a survey's points.
const JobAward = "surveys.award"

// awardJob is the payload of a JobAward: the row of survey_attempts or
// survey_responses whose points to grant and how.
type awardJob struct {
	Table      string `json:"table"`
	ID         int64  `json:"id,string"`
	SurveyID   int64  `json:"survey_id,string"`
	ResidentID int64  `json:"resident_id,string"`
	ExternalID string `json:"external_id"`
	Note       string `json:"note"`
}

// RegisterJobs registers the handlers of the kinds surveys owns with q and
// has surveys run its jobs there at once after they commit.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobAward, s.runAward)
	s.jobs = q
}

// enqueueAward queues the grant of sv's points for row id of table (in
// tx, the answers' transaction) and marks the row pending. It returns the
// job's key, or "" when the survey grants nothing.
func (s *Service) enqueueAward(tx *gorm.DB, sv *Survey, residentID int64, table string, id int64, externalID, note string) (string, error) {
	if sv.PointsRule == "" || s.points == nil {
		return "", nil
	}
	if err := tx.Table(table).Where("id = ?", id).Update("points_status", PointsPending).Error; err != nil {
		return "", err
	}
	key := externalID
	err := jobs.Enqueue(tx, JobAward, key, awardJob{Table: table, ID: id, SurveyID: sv.ID, ResidentID: residentID, ExternalID: externalID, Note: note})
	return key, err
}

// settleAward runs the award job of key at once, if there is one and a
// queue to run it, and reads back where the row's points stand. An error
// of the grant stays with the job, which the queue retries.
func (s *Service) settleAward(ctx context.Context, key, table string, id int64) (awarded int64, status PointsStatus, err error) {
	if key != "" && s.jobs != nil {
		_ = s.jobs.RunKey(ctx, JobAward, key)
	}
	var row struct {
		PointsAwarded int64
		PointsStatus  PointsStatus
	}
	err = s.db.WithContext(ctx).Table(table).Select("points_awarded, points_status").Where("id = ?", id).Take(&row).Error
	if err != nil {
		return 0, PointsPending, fmt.Errorf("read points: %w", err)
	}
	return row.PointsAwarded, row.PointsStatus, nil
}

// runAward grants a survey's points (idempotent on the external ID, so a
// repeated run grants once) and records the outcome on the row. A grant
// refused for good (a cap, a rule the department may not use, an erased
// resident) is recorded as refused; any other failure is returned, for the
// queue to retry.
func (s *Service) runAward(ctx context.Context, payload []byte) error {
	var j awardJob
	if err := json.Unmarshal(payload, &j); err != nil || (j.Table != "survey_attempts" && j.Table != "survey_responses") {
		return jobs.Permanent(fmt.Errorf("bad award payload %q", payload))
	}
	var sv Survey
	err := s.db.WithContext(ctx).Where("id = ?", j.SurveyID).Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return jobs.Permanent(fmt.Errorf("survey %d: %w", j.SurveyID, err))
	} else if err != nil {
		return err
	}
	n, err := s.grant(ctx, &sv, j.ResidentID, j.ExternalID, j.Note)
	status := PointsGranted
	if err != nil {
		if c := apperr.CodeOf(err); c == "" || c == apperr.Unavailable {
			return err
		}
		status = PointsRefused
	} else if n == 0 {
		status = PointsRefused // a cap
	}
	return s.db.WithContext(ctx).Table(j.Table).Where("id = ?", j.ID).
		Updates(map[string]any{"points_awarded": n, "points_status": status}).Error
}
