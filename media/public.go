package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/storage"
)

// Public pictures (a reward's, an activity's) are what a department shows
// every resident: no personal data, so their links are not signed. Each
// upload is stored under fresh random keys that are never written again, so
// a link names one picture for good and may be cached by anyone, for as
// long as they like; a new picture gets new links.
const (
	// KindImage is the kind of a public picture's link.
	KindImage = "images"
	// PublicPrefix is the storage prefix of public pictures, and the only
	// one their route serves.
	PublicPrefix = "image"
	// MaxPublicBytes bounds an uploaded public picture.
	MaxPublicBytes = 10 << 20
	// PublicSide and PublicThumbSide are the longer sides of the stored
	// picture and its thumbnail.
	PublicSide      = 1280
	PublicThumbSide = 320
)

// ErrPublicTooLarge is an upload over MaxPublicBytes.
var ErrPublicTooLarge = apperr.Field("file", "图片不能超过 10 MiB")

// ErrNoPicture is a public picture's link to nothing stored (a picture
// replaced long ago and deleted, or a key never given).
var ErrNoPicture = apperr.New(apperr.NotFound, "图片不存在")

// Store keeps pictures' bytes (storage.Local or storage.S3).
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Delete(ctx context.Context, key string) error
}

// Pictures stores public pictures and makes their links. It is safe for
// concurrent use.
type Pictures struct {
	store   Store
	limiter *Limiter
	base    string
}

// NewPictures returns Pictures kept in store, decoded under limiter (the
// process's), whose links start with base, the server's public URL (""
// for paths on this server).
func NewPictures(store Store, limiter *Limiter, base string) *Pictures {
	return &Pictures{store: store, limiter: limiter, base: base}
}

// Picture is a stored public picture: the storage keys of the picture and
// of its thumbnail.
type Picture struct {
	Key      string
	ThumbKey string
}

// Save checks, cleans and stores the picture read from r (at most
// MaxPublicBytes) as Process does for residents' photos: sniffed by
// content, bounded before decoding, decoded under the limiter, turned
// upright, scaled to PublicSide with a PublicThumbSide JPEG thumbnail and
// encoded again without metadata. Returns an invalid_argument naming
// "file" for anything that is no JPEG, PNG or WebP or is too large, ErrBusy
// when the decode did not get its turn; nothing is stored then. The caller
// records the picture with its object, or calls Discard.
func (p *Pictures) Save(ctx context.Context, r io.Reader) (Picture, error) {
	sp, err := Spool(r, MaxPublicBytes)
	if errors.Is(err, ErrTooLarge) {
		return Picture{}, ErrPublicTooLarge
	}
	if err != nil {
		return Picture{}, fmt.Errorf("read picture: %w", err)
	}
	defer sp.Close()
	out, err := p.limiter.Process(ctx, sp, sp.Size(), Variant{MaxSide: PublicSide}, Variant{MaxSide: PublicThumbSide, JPEG: true})
	if err != nil {
		return Picture{}, err
	}
	pic := Picture{Key: storage.NewKey(PublicPrefix), ThumbKey: storage.NewKey(PublicPrefix)}
	if err := p.store.Put(ctx, pic.Key, bytes.NewReader(out[0].Data), int64(len(out[0].Data)), out[0].ContentType); err != nil {
		return Picture{}, fmt.Errorf("store picture: %w", err)
	}
	if err := p.store.Put(ctx, pic.ThumbKey, bytes.NewReader(out[1].Data), int64(len(out[1].Data)), out[1].ContentType); err != nil {
		_ = p.store.Delete(context.WithoutCancel(ctx), pic.Key)
		return Picture{}, fmt.Errorf("store picture: %w", err)
	}
	return pic, nil
}

// Discard deletes a saved picture no object came to hold.
func (p *Pictures) Discard(ctx context.Context, pic Picture) {
	ctx = context.WithoutCancel(ctx)
	_ = p.store.Delete(ctx, pic.Key)
	_ = p.store.Delete(ctx, pic.ThumbKey)
}

// URL returns the public link to the picture stored under key ("" for a
// nil or foreign key).
func (p *Pictures) URL(key *string) string {
	if key == nil || !strings.HasPrefix(*key, PublicPrefix+"/") {
		return ""
	}
	return p.base + LinkPath + KindImage + "/" + strings.TrimPrefix(*key, PublicPrefix+"/")
}

// Open returns the public picture whose link ends in name and its content
// type; the caller closes it. Returns ErrNoPicture for a name that is no
// public picture's, or whose picture is gone.
func (p *Pictures) Open(ctx context.Context, name string) (io.ReadCloser, string, error) {
	key := PublicPrefix + "/" + name
	if !storage.ValidKey(key) {
		return nil, "", ErrNoPicture
	}
	body, ct, err := p.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "", ErrNoPicture
	}
	if err != nil {
		return nil, "", fmt.Errorf("open picture: %w", err)
	}
	if ct == "" {
		ct = "image/jpeg"
	}
	return body, ct, nil
}
