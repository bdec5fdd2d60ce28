package surveys

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Quiz returns a quiz by ID, with its draw, for a module that names a quiz
// as part of its own rules (an enterprise's credit repair course, issue 29):
// the caller decides who may use it (its DepartmentID). Returns ErrNotFound
// for an unknown survey or one that is not a quiz.
func (s *Service) Quiz(ctx context.Context, id int64) (*Survey, error) {
	var sv Survey
	err := s.db.WithContext(ctx).Where("id = ? AND kind = ?", id, Quiz).Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find quiz: %w", err)
	}
	sv.fill(s.now())
	if sv.DrawCount > 0 {
		sv.Draw = &Draw{Tags: sv.DrawTags, Count: sv.DrawCount}
	}
	return &sv, nil
}
