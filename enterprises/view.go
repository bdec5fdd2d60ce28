package enterprises

import (
	"context"
	"fmt"
	"time"
)

// RatingView is the contract's rating of an enterprise: its current grade
// and score and the model that produced them.
type RatingView struct {
	USCC         string     `json:"uscc"`
	Name         string     `json:"name"`
	Grade        Grade      `json:"grade"`
	Score        *int       `json:"score" doc:"0–100; null unless the caller may see it (members)"`
	ModelVersion string     `json:"model_version"`
	RatedAt      *time.Time `json:"rated_at"`
	ValidUntil   *time.Time `json:"valid_until"`
}

func viewOf(e *Enterprise) RatingView {
	return RatingView{USCC: e.USCC, Name: e.Name, Grade: e.Grade, Score: e.Score,
		ModelVersion: e.ModelVersion, RatedAt: e.RatedAt, ValidUntil: e.ValidUntil}
}

// Detail is what a member sees of their enterprise: the rating with the
// factors that produced it, explained, and the rating history.
type Detail struct {
	RatingView
	Industry string   `json:"industry"`
	Street   string   `json:"street"`
	Factors  []Factor `json:"factors"`
	History  []Rating `json:"history" doc:"newest first, at most 50"`
	// Objections are the resident's own objections to the enterprise's
	// records, newest first, each decided one with its decision's reason.
	Objections []Objection `json:"objections" doc:"the caller's own objections to the enterprise's credit records, newest first (at most 50), each decided one with the officer's reason"`
	// Repairs explain the adverse records that count or were repaired
	// (信用修复, issue 29).
	Repairs []RecordRepair `json:"repairs" doc:"the enterprise's adverse credit records that count now or were repaired, oldest first: whether each may be repaired (信用修复), where its repair stands and what to do next; a repaired one with the day the repair was approved and the original end of its publication"`
}

// historyLimit is how many past ratings the detail shows.
const historyLimit = 50

// Detail returns the member view of an enterprise. Returns invalid_argument
// for a bad code, ErrNotFound for an unknown enterprise and ErrNotMember
// unless the resident holds an approved binding to it.
func (s *Service) Detail(ctx context.Context, residentID int64, code string) (*Detail, error) {
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, err
	}
	hist, err := s.History(ctx, e.ID, historyLimit)
	if err != nil {
		return nil, err
	}
	factors := []Factor{}
	if len(hist) > 0 {
		factors = hist[0].Factors
	}
	if hist == nil {
		hist = []Rating{}
	}
	objections := []Objection{}
	if err := s.db.WithContext(ctx).Where("enterprise_id = ? AND resident_id = ?", e.ID, residentID).
		Order("id DESC").Limit(historyLimit).Find(&objections).Error; err != nil {
		return nil, fmt.Errorf("find own objections: %w", err)
	}
	repairs, err := s.recordRepairs(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return &Detail{RatingView: viewOf(e), Industry: e.Industry, Street: e.Street, Factors: factors, History: hist, Objections: objections,
		Repairs: repairs}, nil
}
