package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Target keeps archives: a local directory (Dir) or an S3 bucket
// (storage.S3's backups/ prefix).
type Target interface {
	// Put stores an archive of size bytes under name (from ArchiveName).
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// List names the archives kept.
	List(ctx context.Context) ([]string, error)
	Delete(ctx context.Context, name string) error
}

const timeLayout = "20060102T150405.000Z"

// ArchiveName is the name of an archive written at t:
// ifutian-20261207T200000.000Z.tar.gz (names sort by time).
func ArchiveName(t time.Time) string {
	return "ifutian-" + t.UTC().Format(timeLayout) + ".tar.gz"
}

// archiveTime reads the time back from a name made by ArchiveName (with any
// directory or prefix before it).
func archiveTime(name string) (time.Time, bool) {
	base := name[strings.LastIndex(name, "/")+1:]
	s, ok := strings.CutPrefix(base, "ifutian-")
	if !ok {
		return time.Time{}, false
	}
	s, ok = strings.CutSuffix(s, ".tar.gz")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(timeLayout, s)
	return t, err == nil
}

// Latest returns the time of the newest archive in t (zero if none).
func Latest(ctx context.Context, t Target) (time.Time, error) {
	names, err := t.List(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var latest time.Time
	for _, n := range names {
		if at, ok := archiveTime(n); ok && at.After(latest) {
			latest = at
		}
	}
	return latest, nil
}

// Prune deletes all but the newest keep archives in t and returns how many
// it deleted. Files not named by ArchiveName are left alone.
func Prune(ctx context.Context, t Target, keep int) (int, error) {
	names, err := t.List(ctx)
	if err != nil {
		return 0, err
	}
	var ours []string
	for _, n := range names {
		if _, ok := archiveTime(n); ok {
			ours = append(ours, n)
		}
	}
	slices.Sort(ours)
	deleted := 0
	for len(ours) > keep {
		if err := t.Delete(ctx, ours[0]); err != nil {
			return deleted, err
		}
		ours = ours[1:]
		deleted++
	}
	return deleted, nil
}

// Dir keeps archives as files in a directory.
type Dir string

// Put writes the archive aside and renames it into place, so that a
// listed archive is always whole.
func (d Dir) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("backup: bad archive name %q", name)
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(string(d), ".partial-*")
	if err != nil {
		return err
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
		err = os.Rename(tmp.Name(), filepath.Join(string(d), name))
	}
	if err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	return nil
}

// List names the files in the directory.
func (d Dir) List(ctx context.Context) ([]string, error) {
	es, err := os.ReadDir(string(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range es {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Delete removes an archive.
func (d Dir) Delete(ctx context.Context, name string) error {
	if strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("backup: bad archive name %q", name)
	}
	return os.Remove(filepath.Join(string(d), name))
}

// Bucket is the part of storage.S3 that keeps archives.
type Bucket interface {
	PutBackup(ctx context.Context, name string, r io.Reader, size int64) error
	Backups(ctx context.Context) ([]string, error)
	DeleteBackup(ctx context.Context, name string) error
}

// S3 keeps archives in a bucket under backups/.
type S3 struct{ Bucket Bucket }

// Put stores the archive as backups/<name>.
func (s S3) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	return s.Bucket.PutBackup(ctx, "backups/"+name, r, size)
}

// List names the archives under backups/.
func (s S3) List(ctx context.Context) ([]string, error) { return s.Bucket.Backups(ctx) }

// Delete removes an archive (a name List returned).
func (s S3) Delete(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, "backups/") {
		name = "backups/" + name
	}
	return s.Bucket.DeleteBackup(ctx, name)
}

// Save writes an archive made by Create into t under ArchiveName(now),
// spooling it through a temporary file in tempDir ("" for the system's),
// then keeps the newest keep archives (0: all). It returns the name.
func Save(ctx context.Context, o Options, t Target, keep int) (string, *Manifest, error) {
	f, err := os.CreateTemp(o.TempDir, "ifutian-archive-*")
	if err != nil {
		return "", nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	m, err := Create(ctx, o, f)
	if err != nil {
		return "", nil, err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", nil, err
	}
	name := ArchiveName(m.CreatedAt)
	if err := t.Put(ctx, name, f, size); err != nil {
		return "", nil, err
	}
	if keep > 0 {
		if _, err := Prune(ctx, t, keep); err != nil {
			return name, m, fmt.Errorf("backup: retention: %w", err)
		}
	}
	return name, m, nil
}
