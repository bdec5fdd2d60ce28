package points

import (
	"context"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
)

// Images is what rewards' pictures need; app.New wires it (Deps.Images).
type Images struct {
	Pictures *media.Pictures // stores them, the process's decode limiter shared
	// Trash records a stored object to delete once tx commits (the
	// requests module's sweeper deletes it, retrying until the store
	// confirms).
	Trash func(tx *gorm.DB, key string, now time.Time) error
}

// link sets r's picture links from its keys.
func (s *Service) link(r *Reward) {
	if s.images.Pictures != nil {
		r.ImageURL, r.ThumbURL = s.images.Pictures.URL(r.ImageKey), s.images.Pictures.URL(r.ThumbKey)
	}
}

// UploadRewardImage sets the picture of reward id on behalf of actor from
// r (as wx.uploadFile or the console sends it; see media.Pictures.Save),
// replacing the one before, whose files are deleted once the change
// commits. A withdrawn reward takes one too (its managers still list it).
// Returns ErrNotFound for a reward outside actor's scope, as for a missing
// one (checked before the file is read), an invalid_argument naming "file"
// for a file that is no JPEG, PNG or WebP or is too large, media.ErrBusy
// (429) when its decode did not get its turn; nothing is kept then.
func (s *Service) UploadRewardImage(ctx context.Context, actor *staff.Member, id int64, r io.Reader) (*RewardStats, error) {
	sc := actor.Scope()
	if _, err := s.managedReward(ctx, sc, id); err != nil {
		return nil, err
	}
	if s.images.Pictures == nil {
		return nil, fmt.Errorf("upload reward image: no picture store")
	}
	pic, err := s.images.Pictures.Save(ctx, r)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		old, err := s.lockReward(tx, sc, id)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		for _, k := range []*string{old.ImageKey, old.ThumbKey} {
			if k != nil {
				if err := s.images.Trash(tx, *k, now); err != nil {
					return err
				}
			}
		}
		staff.AuditDetail(ctx, "image "+pic.Key)
		return tx.Model(&Reward{}).Where("id = ?", id).
			Updates(map[string]any{"image_key": pic.Key, "thumb_key": pic.ThumbKey, "updated_at": now}).Error
	})
	if err != nil {
		// No row names the files: remove them now.
		s.images.Pictures.Discard(ctx, pic)
		return nil, rewardError("upload reward image", err)
	}
	return s.managedReward(ctx, sc, id)
}
