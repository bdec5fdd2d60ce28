package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

type store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Delete(ctx context.Context, key string) error
}

// exercise runs the same checks against any store.
func exercise(t *testing.T, s store) {
	ctx := context.Background()
	key := NewKey("photo")
	body := []byte("\xff\xd8\xffnot really a jpeg")
	if err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	r, ct, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, body) || ct != "image/jpeg" {
		t.Fatalf("Get = %q %q, want %q image/jpeg", got, ct, body)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete twice: %v", err)
	}
	if _, _, err := s.Get(ctx, NewKey("photo")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a key never stored: %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"../etc/passwd", "photo/../../x", "photo/ABC", ""} {
		if err := s.Put(ctx, bad, strings.NewReader("x"), 1, "text/plain"); err == nil {
			t.Fatalf("Put(%q) succeeded, want a malformed key refused", bad)
		}
	}
}

func TestLocal(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, l)
}

// TestS3 runs against an S3 server started inside the test (gofakes3),
// through minio-go's real wire protocol.
func TestS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("photos"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	cfg := S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "photos", AccessKey: "k", SecretKey: "s", Region: "us-east-1"}
	s, err := NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, s)

	cfg.Bucket = "missing"
	if _, err := NewS3(context.Background(), cfg); err == nil {
		t.Fatal("NewS3 with a missing bucket succeeded")
	}
}
