package requests

import (
	"context"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/staff"
)

// recordComplaint writes the complaint record through the enterprises
// service and returns its ID.
func (s *Service) recordComplaint(ctx context.Context, by *staff.Member, n enterprises.NewCreditRecord) (int64, error) {
	res, _, err := s.enterprises.Record(ctx, by, n)
	if err != nil {
		return 0, err
	}
	return res.ID, nil
}
