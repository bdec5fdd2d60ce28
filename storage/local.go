package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local stores objects as files under a directory. The content type is
// kept in a sidecar file beside each object. It is safe for concurrent use.
type Local struct {
	dir string
}

// NewLocal returns a Local storing under dir, which it creates (0700).
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage dir %s: %w", dir, err)
	}
	return &Local{dir: dir}, nil
}

func (l *Local) path(key string) string {
	return filepath.Join(l.dir, filepath.FromSlash(key))
}

// Put stores r (size bytes) under key, replacing what was there. The file
// appears whole or not at all (written aside, then renamed).
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	p := l.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("storage put: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("storage put: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, r)
	if err == nil && n != size {
		err = fmt.Errorf("wrote %d bytes, want %d", n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.WriteFile(p+".type", []byte(contentType), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return fmt.Errorf("storage put: %w", err)
	}
	return nil
}

// Get opens the object under key and returns its content type. Returns
// ErrNotFound if there is none. The caller closes the reader.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, string, error) {
	if err := checkKey(key); err != nil {
		return nil, "", ErrNotFound
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("storage get: %w", err)
	}
	ct, _ := os.ReadFile(l.path(key) + ".type")
	return f, strings.TrimSpace(string(ct)), nil
}

// Delete removes the object under key; a missing object is no error.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	for _, p := range []string{l.path(key), l.path(key) + ".type"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("storage delete: %w", err)
		}
	}
	return nil
}

// Walk calls fn with the key of every object stored, in no set order
// (backups). Files that are no object (content-type sidecars, puts under
// way) are skipped.
func (l *Local) Walk(ctx context.Context, fn func(key string) error) error {
	return filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(l.dir, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); ValidKey(key) {
			return fn(key)
		}
		return nil
	})
}
