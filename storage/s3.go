package storage

import (
	"context"
	"fmt"
	"io"
	"regexp"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config configures an S3-compatible bucket.
type S3Config struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	UseSSL    bool
}

// S3 stores objects in an S3-compatible bucket through minio-go. It is
// safe for concurrent use.
type S3 struct {
	client *minio.Client
	bucket string
}

// NewS3 returns an S3 for cfg and checks that the bucket exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 %s: %w", cfg.Endpoint, err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 bucket %s at %s does not exist", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{client: c, bucket: cfg.Bucket}, nil
}

// Put stores r (size bytes) under key.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("storage put: %w", err)
	}
	return nil
}

// Get opens the object under key and returns its content type. Returns
// ErrNotFound if there is none. The caller closes the reader.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, string, error) {
	if err := checkKey(key); err != nil {
		return nil, "", ErrNotFound
	}
	// GetObject does no request until the first read; Stat asks at once, so
	// that a missing object is told apart before anything is answered.
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, "", ErrNotFound
		}
		return nil, "", fmt.Errorf("storage get: %w", err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("storage get: %w", err)
	}
	return obj, info.ContentType, nil
}

// Delete removes the object under key; a missing object is no error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("storage delete: %w", err)
	}
	return nil
}

// Walk calls fn with the key of every object in the bucket that has the
// shape of a key (backups); other objects (backup archives) are skipped.
func (s *S3) Walk(ctx context.Context, fn func(key string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing if fn fails
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("storage list: %w", obj.Err)
		}
		if ValidKey(obj.Key) {
			if err := fn(obj.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// backupRE is the name of a backup archive in the bucket.
var backupRE = regexp.MustCompile(`^backups/[A-Za-z0-9._-]{1,128}$`)

// PutBackup stores a backup archive under name ("backups/…"), which no
// photo key can take.
func (s *S3) PutBackup(ctx context.Context, name string, r io.Reader, size int64) error {
	if !backupRE.MatchString(name) {
		return fmt.Errorf("storage: malformed backup name %q", name)
	}
	if _, err := s.client.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{ContentType: "application/gzip"}); err != nil {
		return fmt.Errorf("storage put backup: %w", err)
	}
	return nil
}

// GetBackup opens the backup archive under name.
func (s *S3) GetBackup(ctx context.Context, name string) (io.ReadCloser, error) {
	if !backupRE.MatchString(name) {
		return nil, fmt.Errorf("storage: malformed backup name %q", name)
	}
	if _, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); err != nil {
		return nil, fmt.Errorf("storage get backup %s: %w", name, err)
	}
	return s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
}

// Backups lists the names of the backup archives in the bucket.
func (s *S3) Backups(ctx context.Context) ([]string, error) {
	var names []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: "backups/", Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("storage list backups: %w", obj.Err)
		}
		if backupRE.MatchString(obj.Key) {
			names = append(names, obj.Key)
		}
	}
	return names, nil
}

// DeleteBackup removes the backup archive under name.
func (s *S3) DeleteBackup(ctx context.Context, name string) error {
	if !backupRE.MatchString(name) {
		return fmt.Errorf("storage: malformed backup name %q", name)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("storage delete backup: %w", err)
	}
	return nil
}
