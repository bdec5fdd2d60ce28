package auth

import (
	"crypto/sha256"
	"fmt"

	"gorm.io/gorm"
)

// RevokeOthersTx revokes, in tx, every live token of the subject except
// keep (a token of theirs that stays valid, such as the one of the request
// changing their password; "" keeps none). Call Forget once tx has
// committed, as after RevokeAllTx.
func (s *Service) RevokeOthersTx(tx *gorm.DB, kind Kind, subjectID int64, keep string) error {
	q := tx.Model(&session{}).Where("subject_kind = ? AND subject_id = ? AND revoked_at IS NULL", kind, subjectID)
	if keep != "" {
		h := sha256.Sum256([]byte(keep))
		q = q.Where("token_hash <> ?", h[:])
	}
	if err := q.Update("revoked_at", s.now().UTC()).Error; err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}
