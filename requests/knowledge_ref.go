package requests

import (
	"context"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/knowledge"
)

// quoter is what answers need of the knowledge base: whether an entry may
// be quoted, and the references of quoted entries for the views.
type quoter interface {
	Quotable(ctx context.Context, id int64) (*knowledge.Ref, error)
	Refs(ctx context.Context, ids []int64) (map[int64]knowledge.Ref, error)
}

// IsCategory reports whether a request category code exists (for the
// knowledge base's entries).
func (s *Service) IsCategory(ctx context.Context, code string) (bool, error) {
	c, err := s.category(ctx, s.db, code)
	return c != nil, err
}

// checkQuote checks the knowledge entry an answer quotes, if any.
func (s *Service) checkQuote(ctx context.Context, id *int64) error {
	if id == nil {
		return nil
	}
	if s.knowledge == nil {
		return apperr.Field("knowledge_id", "知识库未启用")
	}
	_, err := s.knowledge.Quotable(ctx, *id)
	return err
}

// attachIssue25 completes views with what issue 25 added: the knowledge
// entry each answer quotes, the main request of a merged duplicate, and a
// referral to an enterprise (staff only).
func (s *Service) attachIssue25(ctx context.Context, rows []Request, out []StaffView, forStaff bool) error {
	var ids []int64
	for i, r := range rows {
		out[i].MergedInto = r.MergedInto
		if r.KnowledgeID != nil && r.AnsweredAt != nil {
			ids = append(ids, *r.KnowledgeID)
		}
	}
	if len(ids) > 0 && s.knowledge != nil {
		refs, err := s.knowledge.Refs(ctx, ids)
		if err != nil {
			return err
		}
		for i, r := range rows {
			if r.KnowledgeID != nil && r.AnsweredAt != nil {
				if ref, ok := refs[*r.KnowledgeID]; ok {
					out[i].Knowledge = &ref
				}
			}
		}
	}
	return s.attachReferrals(ctx, rows, out, forStaff)
}
