package surveys

import (
	"context"
	"fmt"
)

// Waiting lists, newest first, up to limit surveys open to the resident
// that wait for them: not taken part in today and, if answered once only,
// never answered (the home screen's "to do").
func (s *Service) Waiting(ctx context.Context, residentID int64, limit int) ([]PublicSurvey, error) {
	out := []PublicSurvey{}
	var after int64
	for {
		page, next, err := s.ListForResident(ctx, residentID, after, 20)
		if err != nil {
			return nil, fmt.Errorf("waiting surveys: %w", err)
		}
		for _, p := range page {
			if p.TakenPartToday || p.Responded {
				continue
			}
			out = append(out, p)
			if len(out) == limit {
				return out, nil
			}
		}
		if next == 0 {
			return out, nil
		}
		after = next
	}
}
