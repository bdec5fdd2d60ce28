package activities

import (
	"context"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
)

// Images is what activities' pictures need; app.New wires it (Deps.Images).
type Images struct {
	Pictures *media.Pictures // stores them, the process's decode limiter shared
	// Trash records a stored object to delete once tx commits (the
	// requests module's sweeper deletes it, retrying until the store
	// confirms).
	Trash func(tx *gorm.DB, key string, now time.Time) error
}

// imageURLs are the public links to a's picture and its thumbnail ("" for
// none).
func (s *Service) imageURLs(a *Activity) (image, thumb string) {
	if s.images.Pictures == nil {
		return "", ""
	}
	return s.images.Pictures.URL(a.ImageKey), s.images.Pictures.URL(a.ThumbKey)
}

// UploadImage sets the picture of activity id within m's scope from r (as
// wx.uploadFile or the console sends it; see media.Pictures.Save),
// replacing the one before, whose files are deleted once the change
// commits. Any activity in scope takes one, a draft's shows once it is
// published, and a past or cancelled one keeps its record complete.
// Returns ErrNotFound outside m's scope, as for a missing one (checked
// before the file is read), an invalid_argument naming "file" for a file
// that is no JPEG, PNG or WebP or is too large, media.ErrBusy (429) when
// its decode did not get its turn; nothing is kept then.
func (s *Service) UploadImage(ctx context.Context, m *staff.Member, id int64, r io.Reader) (*StaffView, error) {
	by := m.Scope()
	if _, err := s.owned(s.db.WithContext(ctx), by, id, false); err != nil {
		return nil, err
	}
	if s.images.Pictures == nil {
		return nil, fmt.Errorf("upload activity image: no picture store")
	}
	pic, err := s.images.Pictures.Save(ctx, r)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		old, err := s.owned(tx, by, id, true)
		if err != nil {
			return err
		}
		now := s.clock()
		for _, k := range []*string{old.ImageKey, old.ThumbKey} {
			if k != nil {
				if err := s.images.Trash(tx, *k, now); err != nil {
					return err
				}
			}
		}
		staff.AuditDetail(ctx, "image "+pic.Key)
		return tx.Model(&Activity{}).Where("id = ?", id).
			Updates(map[string]any{"image_key": pic.Key, "thumb_key": pic.ThumbKey, "updated_at": now}).Error
	})
	if err != nil {
		// No row names the files: remove them now.
		s.images.Pictures.Discard(ctx, pic)
		return nil, s.wrap("upload activity image", err)
	}
	return s.FindForStaff(ctx, m, id)
}
