package requests

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// ExportResident returns the resident's requests with their histories and
// answers, for /me/export (photos are listed; their bytes are read through
// the photo route or their signed links).
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	var rows []Request
	if err := s.db.WithContext(ctx).Where("resident_id = ? AND erased_at IS NULL", residentID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("export requests: %w", err)
	}
	vs, err := s.buildViews(ctx, rows, false)
	if err != nil {
		return nil, err
	}
	type exported struct {
		View
		Contact string `json:"contact"`
	}
	out := make([]exported, len(vs))
	for i, v := range vs {
		out[i].View = v.View
		if c := rows[i].ContactEnc; len(c) > 0 {
			if out[i].Contact, err = s.box.Open(c); err != nil {
				return nil, fmt.Errorf("export requests: %w", err)
			}
		}
	}
	return out, nil
}

// EraseResident erases the personal parts of a resident's requests in the
// deletion's transaction: text, address, coordinates, contact, comment,
// the answer (which may quote them) and photos. What the department's
// statistics count stays, anonymous: category, street, department, dates,
// rating. The photos' stored bytes are deleted by queued jobs once this
// commits (TrashTx).
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	now := s.clock()
	var photos []Photo
	if err := tx.Select("storage_key, thumb_key").Where("resident_id = ?", residentID).Find(&photos).Error; err != nil {
		return fmt.Errorf("erase requests: %w", err)
	}
	for _, p := range photos {
		if err := trashPhotoTx(tx, &p, now); err != nil {
			return fmt.Errorf("erase requests: %w", err)
		}
	}
	if err := tx.Where("resident_id = ?", residentID).Delete(&Photo{}).Error; err != nil {
		return fmt.Errorf("erase requests: %w", err)
	}
	err := tx.Model(&Request{}).Where("resident_id = ? AND erased_at IS NULL", residentID).Updates(map[string]any{
		"description": "", "address": "", "community": "", "latitude": nil, "longitude": nil, "contact_enc": nil,
		"rating_comment": "", "answer": "", "public": false, "erased_at": now, "updated_at": now,
	}).Error
	if err != nil {
		return fmt.Errorf("erase requests: %w", err)
	}
	return eraseReferralAnswers(tx, residentID)
}
