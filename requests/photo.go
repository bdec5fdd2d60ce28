package requests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

// Upload is a photo uploaded ahead of its request: its Token goes into the
// submit's photos.
type Upload struct {
	Token       string    `json:"token" doc:"put it in the submit's photos"`
	ContentType string    `json:"content_type" binding:"oneof=image/jpeg image/png" doc:"a WebP is stored as JPEG"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Size        int64     `json:"size" doc:"bytes"`
	ExpiresAt   time.Time `json:"expires_at" doc:"an upload no submit references by then is deleted"`
}

// maxPendingUploads bounds a resident's uploads not yet attached to a
// request, so that uploads alone cannot fill the store.
const maxPendingUploads = 3 * MaxPhotos

// ErrTooLarge is an upload over MaxPhotoBytes.
var ErrTooLarge = apperr.Field("file", "照片不能超过 10 MiB")

// UploadPhoto checks, cleans and stores a photo for a request the resident
// is about to submit, with its thumbnail. r is read up to MaxPhotoBytes,
// into a temporary file: the decode runs under the process's limiter
// (media.Limiter), waiting for its turn, and what waits holds no memory.
// Returns an invalid_argument error naming "file" for a file that is no
// JPEG, PNG or WebP, too large, too many pixels or too much memory decoded
// (MaxPhotoDecoded), media.ErrBusy (429) when its turn did not come in
// time; nothing is stored then. An upload no submit references within
// UnattachedPhotoTTL is deleted by the sweeper.
func (s *Service) UploadPhoto(ctx context.Context, residentID int64, r io.Reader) (*Upload, error) {
	sp, err := media.Spool(r, MaxPhotoBytes)
	if errors.Is(err, media.ErrTooLarge) {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	defer sp.Close()
	var pending int64
	if err := s.db.WithContext(ctx).Model(&Photo{}).Where("resident_id = ? AND request_id IS NULL", residentID).Count(&pending).Error; err != nil {
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	if pending >= maxPendingUploads {
		return nil, apperr.Field("file", "未提交的照片过多，请先提交诉求")
	}
	out, err := s.media.Process(ctx, sp, sp.Size(),
		media.Variant{MaxSide: StoredPhotoSide}, media.Variant{MaxSide: ThumbSide, JPEG: true})
	if err != nil {
		return nil, err
	}
	photo, thumb := out[0], out[1]
	key, thumbKey := storage.NewKey("photo"), storage.NewKey("thumb")
	if err := s.store.Put(ctx, key, bytes.NewReader(photo.Data), int64(len(photo.Data)), photo.ContentType); err != nil {
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	if err := s.store.Put(ctx, thumbKey, bytes.NewReader(thumb.Data), int64(len(thumb.Data)), thumb.ContentType); err != nil {
		_ = s.store.Delete(context.WithoutCancel(ctx), key)
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	now := s.clock()
	p := &Photo{
		Token: randomToken(), ResidentID: residentID, StorageKey: key, ThumbKey: &thumbKey, ContentType: photo.ContentType,
		Size: int64(len(photo.Data)), Width: photo.Width, Height: photo.Height, CheckStatus: CheckNone, UploadedAt: now,
	}
	if err := s.db.WithContext(ctx).Create(p).Error; err != nil {
		// No row names the objects: remove them now (the trash is a
		// database write too, which has just failed).
		_ = s.store.Delete(context.WithoutCancel(ctx), key)
		_ = s.store.Delete(context.WithoutCancel(ctx), thumbKey)
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	return &Upload{Token: p.Token, ContentType: p.ContentType, Width: p.Width, Height: p.Height, Size: p.Size, ExpiresAt: now.Add(UnattachedPhotoTTL)}, nil
}

// PhotoData is a photo's bytes; the caller closes Body.
type PhotoData struct {
	Body        io.ReadCloser
	ContentType string
	Size        int64
}

// Photo returns photo n of a resident's own request. Returns ErrNotFound
// for another resident's request, ErrPhotoNotFound for a missing photo.
func (s *Service) Photo(ctx context.Context, residentID, id int64, n int) (*PhotoData, error) {
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	if r.ResidentID != residentID {
		return nil, ErrNotFound
	}
	return s.photoData(ctx, id, n)
}

// PhotoForStaff returns photo n of a request in the member's scope: a read
// of personal data, which the caller audits. Returns ErrNotFound outside
// the scope.
func (s *Service) PhotoForStaff(ctx context.Context, m *staff.Member, id int64, n int) (*PhotoData, error) {
	if _, err := inScope(s.db.WithContext(ctx), m.Scope(), id); err != nil {
		return nil, err
	}
	return s.photoData(ctx, id, n)
}

func (s *Service) photoData(ctx context.Context, id int64, n int) (*PhotoData, error) {
	var p Photo
	err := s.db.WithContext(ctx).Take(&p, "request_id = ? AND position = ?", id, n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find photo: %w", err)
	}
	return s.open(ctx, &p)
}

func (s *Service) open(ctx context.Context, p *Photo) (*PhotoData, error) {
	body, ct, err := s.store.Get(ctx, p.StorageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, err
	}
	if ct == "" {
		ct = p.ContentType
	}
	return &PhotoData{Body: body, ContentType: ct, Size: p.Size}, nil
}

// PhotoByLink returns a photo, or its thumbnail (size media.SizeThumb), by
// its ID, for a signed link the caller has verified. Returns
// ErrPhotoNotFound for a photo not attached to a live request (erased,
// swept, never submitted).
func (s *Service) PhotoByLink(ctx context.Context, id int64, size string) (*PhotoData, error) {
	var p Photo
	err := s.db.WithContext(ctx).Take(&p, "id = ? AND request_id IS NOT NULL", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find photo: %w", err)
	}
	if size == media.SizeThumb && p.ThumbKey != nil {
		// A thumbnail is JPEG whatever the photo; its size is the store's.
		p.StorageKey, p.ContentType, p.Size = *p.ThumbKey, "image/jpeg", -1
	}
	return s.open(ctx, &p)
}

// Media returns the photo a content check's media URL names, while the
// check waits for WeChat's verdict. Returns ErrPhotoNotFound otherwise.
func (s *Service) Media(ctx context.Context, token string) (*PhotoData, error) {
	if len(token) != 64 {
		return nil, ErrPhotoNotFound
	}
	var p Photo
	err := s.db.WithContext(ctx).Take(&p, "media_token = ? AND check_status = ?", token, CheckSent).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find media: %w", err)
	}
	return s.open(ctx, &p)
}

// randomToken is 256 random bits in hex.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
