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
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

// Upload is a photo uploaded ahead of its request: its Token goes into the
// submit's photos.
type Upload struct {
	Token       string    `json:"token"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Size        int64     `json:"size"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// maxPendingUploads bounds a resident's uploads not yet attached to a
// request, so that uploads alone cannot fill the store.
const maxPendingUploads = 3 * MaxPhotos

// ErrTooLarge is an upload over MaxPhotoBytes.
var ErrTooLarge = apperr.Field("file", "照片不能超过 10 MiB")

// UploadPhoto checks, cleans and stores a photo for a request the resident
// is about to submit. r is read up to MaxPhotoBytes. Returns an
// invalid_argument error naming "file" for a file that is no JPEG, PNG or
// WebP, too large or too many pixels; nothing is stored then. An upload no
// submit references within UnattachedPhotoTTL is deleted by the sweeper.
func (s *Service) UploadPhoto(ctx context.Context, residentID int64, r io.Reader) (*Upload, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPhotoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > MaxPhotoBytes {
		return nil, ErrTooLarge
	}
	var pending int64
	if err := s.db.WithContext(ctx).Model(&Photo{}).Where("resident_id = ? AND request_id IS NULL", residentID).Count(&pending).Error; err != nil {
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	if pending >= maxPendingUploads {
		return nil, apperr.Field("file", "未提交的照片过多，请先提交诉求")
	}
	clean, ct, w, h, err := sanitizeImage(data)
	if err != nil {
		return nil, err
	}
	key := storage.NewKey("photo")
	if err := s.store.Put(ctx, key, bytes.NewReader(clean), int64(len(clean)), ct); err != nil {
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	now := s.clock()
	p := &Photo{
		Token: randomToken(), ResidentID: residentID, StorageKey: key, ContentType: ct,
		Size: int64(len(clean)), Width: w, Height: h, CheckStatus: CheckNone, UploadedAt: now,
	}
	if err := s.db.WithContext(ctx).Create(p).Error; err != nil {
		// No row names the object: remove it now (the trash is a database
		// write too, which has just failed).
		_ = s.store.Delete(context.WithoutCancel(ctx), key)
		return nil, fmt.Errorf("upload photo: %w", err)
	}
	return &Upload{Token: p.Token, ContentType: ct, Width: w, Height: h, Size: p.Size, ExpiresAt: now.Add(UnattachedPhotoTTL)}, nil
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
