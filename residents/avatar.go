package residents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/storage"
)

// Bounds of an avatar: the upload as WeChat's chooseAvatar gives it, and
// the square JPEG kept of it.
const (
	MaxAvatarBytes = 10 << 20
	AvatarSide     = 256
)

// ErrAvatarTooLarge is an avatar upload over MaxAvatarBytes.
var ErrAvatarTooLarge = apperr.Field("file", "头像不能超过 10 MiB")

// ErrNoAvatar is returned for a resident without an uploaded avatar.
var ErrNoAvatar = apperr.New(apperr.NotFound, "头像不存在")

// Store keeps avatars' bytes (storage.Local or storage.S3).
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Delete(ctx context.Context, key string) error
}

// Avatars is what uploaded avatars need; app.New wires it (Deps.Avatars).
type Avatars struct {
	Store Store
	Media *media.Limiter // the process's decode limiter, shared with request photos
	Links *media.Signer
	// Trash records a stored object to delete once tx commits (the
	// requests module's sweeper deletes it, retrying until the store
	// confirms).
	Trash func(tx *gorm.DB, key string, now time.Time) error
}

// link sets r's AvatarURL to a signed link to its uploaded avatar, if it
// has one.
func (s *Service) link(r *Resident) {
	if r.AvatarKey != nil && s.avatars.Links != nil {
		r.AvatarURL = s.avatars.Links.Link(media.KindAvatar, r.ID, media.SizeFull).URL
	}
}

// UploadAvatar checks, cleans and stores a resident's avatar from r (as
// WeChat's chooseAvatar gives it, read up to MaxAvatarBytes): sniffed by
// content, decoded under the process's limiter, cropped to its centre
// square, scaled to AvatarSide and encoded as JPEG without metadata. It
// replaces any avatar before (whose file is deleted) and any avatar_url.
// Returns an invalid_argument naming "file" for a file that is no JPEG,
// PNG or WebP or is too large, media.ErrBusy (429) when the decode did not
// get its turn in time, ErrNotFound for a deleted resident; nothing is
// kept then.
func (s *Service) UploadAvatar(ctx context.Context, id int64, r io.Reader) (*Resident, error) {
	sp, err := media.Spool(r, MaxAvatarBytes)
	if errors.Is(err, media.ErrTooLarge) {
		return nil, ErrAvatarTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read avatar: %w", err)
	}
	defer sp.Close()
	if ok, err := s.Exists(ctx, id); err != nil || !ok {
		if err == nil {
			err = ErrNotFound
		}
		return nil, err
	}
	out, err := s.avatars.Media.Process(ctx, sp, sp.Size(), media.Variant{MaxSide: AvatarSide, Square: true, JPEG: true})
	if err != nil {
		return nil, err
	}
	pic := out[0]
	key := storage.NewKey("avatar")
	if err := s.avatars.Store.Put(ctx, key, bytes.NewReader(pic.Data), int64(len(pic.Data)), pic.ContentType); err != nil {
		return nil, fmt.Errorf("store avatar: %w", err)
	}
	now := s.now().UTC()
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.dropAvatarTx(tx, id, now); err != nil {
			return err
		}
		res := tx.Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).
			Updates(map[string]any{"avatar_key": key, "avatar_url": "", "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		// No row names the object: remove it now.
		_ = s.avatars.Store.Delete(context.WithoutCancel(ctx), key)
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("upload avatar: %w", err)
	}
	return s.FindByID(ctx, id)
}

// dropAvatarTx forgets a resident's uploaded avatar in tx (locking the
// row) and records its file for deletion once tx commits.
func (s *Service) dropAvatarTx(tx *gorm.DB, id int64, now time.Time) error {
	var r Resident
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id, avatar_key").Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil || r.AvatarKey == nil {
		return err
	}
	if err := s.avatars.Trash(tx, *r.AvatarKey, now); err != nil {
		return err
	}
	return tx.Model(&Resident{}).Where("id = ?", id).Update("avatar_key", nil).Error
}

// AvatarData is an avatar's bytes; the caller closes Body.
type AvatarData struct {
	Body        io.ReadCloser
	ContentType string
}

// Avatar returns the uploaded avatar of resident id, for a signed link the
// caller has verified. Returns ErrNoAvatar for a resident without one
// (deleted, or whose avatar is an https address).
func (s *Service) Avatar(ctx context.Context, id int64) (*AvatarData, error) {
	var r Resident
	err := s.db.WithContext(ctx).Select("id, avatar_key").Where("id = ? AND deleted_at IS NULL", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && r.AvatarKey == nil) {
		return nil, ErrNoAvatar
	}
	if err != nil {
		return nil, fmt.Errorf("find avatar: %w", err)
	}
	body, ct, err := s.avatars.Store.Get(ctx, *r.AvatarKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNoAvatar
	}
	if err != nil {
		return nil, fmt.Errorf("open avatar: %w", err)
	}
	if ct == "" {
		ct = "image/jpeg"
	}
	return &AvatarData{Body: body, ContentType: ct}, nil
}

// AvatarExport tells a resident's export about their uploaded avatar.
type AvatarExport struct {
	Uploaded  bool       `json:"uploaded"`
	URL       string     `json:"url,omitempty"` // a signed link, valid until URLExpires
	URLExpiry *time.Time `json:"url_expires_at,omitempty"`
	Format    string     `json:"format,omitempty"`
}

func (s *Service) exportAvatar(r *Resident) *AvatarExport {
	if r.AvatarKey == nil || s.avatars.Links == nil {
		return &AvatarExport{}
	}
	l := s.avatars.Links.Link(media.KindAvatar, r.ID, media.SizeFull)
	return &AvatarExport{Uploaded: true, URL: l.URL, URLExpiry: &l.ExpiresAt, Format: fmt.Sprintf("JPEG %d×%d，已去除 EXIF", AvatarSide, AvatarSide)}
}
