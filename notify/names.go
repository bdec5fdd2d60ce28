package notify

import (
	"context"
	"fmt"

	"github.com/futian/ifutian/staff"
)

// usernames returns the usernames of the staff members ids (usernames never
// change, so they name authors and actors for good).
func (s *Service) usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	names := map[int64]string{}
	if len(ids) == 0 {
		return names, nil
	}
	var ms []staff.Member
	if err := s.db.WithContext(ctx).Model(&staff.Member{}).Select("id", "username").Where("id IN ?", ids).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("find notice authors: %w", err)
	}
	for _, m := range ms {
		names[m.ID] = m.Username
	}
	return names, nil
}

// nameAuthors sets the AuthorUsername of notices.
func (s *Service) nameAuthors(ctx context.Context, ns []Notice) error {
	var ids []int64
	for _, n := range ns {
		if n.AuthorID != nil {
			ids = append(ids, *n.AuthorID)
		}
	}
	names, err := s.usernames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range ns {
		if ns[i].AuthorID != nil {
			ns[i].AuthorUsername = names[*ns[i].AuthorID]
		}
	}
	return nil
}

// nameActors sets the ActorUsername of events.
func (s *Service) nameActors(ctx context.Context, evs []Event) error {
	var ids []int64
	for _, e := range evs {
		if e.ActorID > 0 {
			ids = append(ids, int64(e.ActorID))
		}
	}
	names, err := s.usernames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range evs {
		evs[i].ActorUsername = names[int64(evs[i].ActorID)]
	}
	return nil
}
