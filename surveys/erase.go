package surveys

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// ExportResident returns a resident's survey responses and quiz attempts
// for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	tx := s.db.WithContext(ctx)
	var rs []Response
	if err := tx.Where("resident_id = ?", residentID).Order("id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("export responses: %w", err)
	}
	var as []Attempt
	if err := tx.Where("resident_id = ? AND submitted_at IS NOT NULL", residentID).Order("id").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("export attempts: %w", err)
	}
	type attempt struct {
		ID          int64               `json:"id,string"`
		SurveyID    int64               `json:"survey_id,string"`
		StartedAt   any                 `json:"started_at"`
		SubmittedAt any                 `json:"submitted_at"`
		Answers     map[string][]string `json:"answers"`
		Score       *int                `json:"score"`
		Passed      bool                `json:"passed"`
	}
	out := struct {
		Responses []Response `json:"responses"`
		Attempts  []attempt  `json:"attempts"`
	}{Responses: nonNilSlice(rs), Attempts: []attempt{}}
	for _, a := range as {
		out.Attempts = append(out.Attempts, attempt{a.ID, a.SurveyID, a.StartedAt, a.SubmittedAt, a.Answers, a.Score, a.Passed})
	}
	return out, nil
}

// EraseResident deletes a resident's responses and attempts when they
// delete their account (inside the deletion's transaction).
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	stmts := []struct {
		sql string
	}{
		{"DELETE FROM survey_choices WHERE response_id IN (SELECT id FROM survey_responses WHERE resident_id = ?)"},
		{"DELETE FROM survey_responses WHERE resident_id = ?"},
		{"DELETE FROM survey_attempt_items WHERE attempt_id IN (SELECT id FROM survey_attempts WHERE resident_id = ?)"},
		{"DELETE FROM survey_attempts WHERE resident_id = ?"},
	}
	for _, st := range stmts {
		if err := tx.Exec(st.sql, residentID).Error; err != nil {
			return fmt.Errorf("erase survey data: %w", err)
		}
	}
	return nil
}
