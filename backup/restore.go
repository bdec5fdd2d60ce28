package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ReadManifest reads the manifest of the archive at path.
func ReadManifest(path string) (*Manifest, error) {
	var m *Manifest
	err := eachEntry(path, func(h *tar.Header, r io.Reader) error {
		if h.Name != ManifestName {
			return nil
		}
		m = &Manifest{}
		if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(m); err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%s: no %s: not a backup archive", path, ManifestName)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: archive format %d, this release reads %d", path, m.Format, FormatVersion)
	}
	return m, nil
}

func eachEntry(path string, fn func(*tar.Header, io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

// RestoreOptions say where an archive goes.
type RestoreOptions struct {
	// SQLitePath is the database file to create; it must not exist yet (or
	// be empty). Required when the archive holds the database.
	SQLitePath string
	// Store receives the photos; it must hold none.
	Store Store
	// Keys are the configured keys by name: each fingerprint in the
	// manifest must match one, or nothing is restored.
	Keys map[string][]byte
	// Latest is the newest migration this release carries: an archive of a
	// newer schema is refused.
	Latest int64
}

// Report is what Restore checked.
type Report struct {
	Manifest *Manifest
	Files    int // files written and checked against their checksum
	Photos   int // photos the database names, each found in the store
}

// ErrKeyMismatch is returned when the configured keys are not the ones the
// archive's data was sealed and signed with.
var ErrKeyMismatch = errors.New("backup: the configured keys do not match the archive's")

// CheckKeys compares the manifest's key fingerprints with keys.
func CheckKeys(m *Manifest, keys map[string][]byte) error {
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(m.Keys)) {
		k, ok := keys[name]
		switch {
		case !ok || k == nil:
			bad = append(bad, fmt.Sprintf("%s: not configured (the archive needs fingerprint %s)", name, m.Keys[name]))
		case Fingerprint(k) != m.Keys[name]:
			bad = append(bad, fmt.Sprintf("%s: fingerprint %s, the archive needs %s", name, Fingerprint(k), m.Keys[name]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrKeyMismatch, strings.Join(bad, "\n  "))
	}
	return nil
}

// Restore checks the archive at path and restores it: the database to
// o.SQLitePath, the photos into o.Store. It refuses before writing
// anything when the keys differ, the schema is newer than this release or
// a target is not empty. Afterwards it checks the restored database's
// migration level and row counts against the manifest and that every photo
// it names is in the store; every file is checked against its checksum as
// it is written. (The points ledger is reconciled by the caller, with the
// points service.)
func Restore(ctx context.Context, path string, o RestoreOptions) (*Report, error) {
	m, err := ReadManifest(path)
	if err != nil {
		return nil, err
	}
	if err := CheckKeys(m, o.Keys); err != nil {
		return nil, err
	}
	withDB := m.Database == "sqlite"
	if withDB {
		if o.SQLitePath == "" {
			return nil, errors.New("backup: the archive holds a SQLite database: restore it with IFUTIAN_DB=sqlite:<path> (on MySQL load a mysqldump instead)")
		}
		if m.Migration > o.Latest {
			return nil, fmt.Errorf("backup: the archive's schema is at migration %d, this release knows up to %d: restore with the release that wrote it (%s)", m.Migration, o.Latest, m.Version)
		}
		for _, p := range []string{o.SQLitePath, o.SQLitePath + "-wal"} {
			if st, err := os.Stat(p); err == nil && st.Size() > 0 {
				return nil, fmt.Errorf("backup: %s exists and is not empty: restore into a new database", p)
			} else if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	if o.Store != nil {
		found := errors.New("found")
		err := o.Store.Walk(ctx, func(string) error { return found })
		if errors.Is(err, found) {
			return nil, errors.New("backup: the photo store (IFUTIAN_DATA_DIR or the S3 bucket) is not empty: restore into an empty one")
		}
		if err != nil {
			return nil, fmt.Errorf("backup: photo store: %w", err)
		}
	}

	want := map[string]File{}
	for _, f := range m.Files {
		want[f.Name] = f
	}
	rep := &Report{Manifest: m}
	tmp := o.SQLitePath + ".restoring"
	if withDB {
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		defer os.Remove(tmp)
	}
	seen := map[string]bool{}
	err = eachEntry(path, func(h *tar.Header, r io.Reader) error {
		if h.Name == ManifestName {
			return nil
		}
		f, ok := want[h.Name]
		if !ok || seen[h.Name] {
			return fmt.Errorf("backup: %s is not in the manifest (or twice in the archive)", h.Name)
		}
		seen[h.Name] = true
		sum := sha256.New()
		switch {
		case h.Name == DBName:
			if !withDB {
				return fmt.Errorf("backup: %s in a photos-only archive", DBName)
			}
			out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			n, err := io.Copy(io.MultiWriter(out, sum), r)
			if err == nil {
				err = out.Sync()
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("backup: write %s: %w", tmp, err)
			}
			if err := checkSum(f, n, sum.Sum(nil)); err != nil {
				return err
			}
		case strings.HasPrefix(h.Name, filesPrefix):
			if o.Store == nil {
				return errors.New("backup: the archive holds photos but no store was given")
			}
			body, err := io.ReadAll(io.LimitReader(r, maxObject+1))
			if err != nil {
				return fmt.Errorf("backup: read %s: %w", h.Name, err)
			}
			sum.Write(body)
			if err := checkSum(f, int64(len(body)), sum.Sum(nil)); err != nil {
				return err
			}
			key := strings.TrimPrefix(h.Name, filesPrefix)
			if err := o.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), f.ContentType); err != nil {
				return fmt.Errorf("backup: restore %s: %w", key, err)
			}
		default:
			return fmt.Errorf("backup: unexpected entry %s", h.Name)
		}
		rep.Files++
		return nil
	})
	if err != nil {
		return nil, err
	}
	var absent []string
	for name := range want {
		if !seen[name] {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		sort.Strings(absent)
		return nil, fmt.Errorf("backup: the archive lacks files its manifest lists: %s", strings.Join(absent, ", "))
	}
	if !withDB {
		return rep, nil
	}
	if err := os.Rename(tmp, o.SQLitePath); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	got, err := inspect(ctx, o.SQLitePath)
	if err != nil {
		return nil, fmt.Errorf("backup: read the restored database: %w", err)
	}
	if got.migration != m.Migration {
		return nil, fmt.Errorf("backup: restored database at migration %d, the manifest says %d", got.migration, m.Migration)
	}
	var diff []string
	for _, t := range slices.Sorted(tableNames(m.Tables, got.tables)) {
		if m.Tables[t] != got.tables[t] {
			diff = append(diff, fmt.Sprintf("%s: %d rows, the manifest says %d", t, got.tables[t], m.Tables[t]))
		}
	}
	if len(diff) > 0 {
		return nil, fmt.Errorf("backup: row counts differ:\n  %s", strings.Join(diff, "\n  "))
	}
	missing := map[string]bool{}
	for _, k := range m.MissingPhotos {
		missing[k] = true
	}
	var lost []string
	for k := range got.photos {
		if missing[k] {
			continue
		}
		if !seen[filesPrefix+k] {
			lost = append(lost, k)
			continue
		}
		rep.Photos++
	}
	if len(lost) > 0 {
		sort.Strings(lost)
		return nil, fmt.Errorf("backup: the restored database names %d photos the archive lacks: %s", len(lost), strings.Join(lost, ", "))
	}
	return rep, nil
}

func tableNames(a, b map[string]int64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := a[k]; ok {
				continue
			}
			if !yield(k) {
				return
			}
		}
	}
}

func checkSum(f File, n int64, sum []byte) error {
	if n != f.Size || hex.EncodeToString(sum) != f.SHA256 {
		return fmt.Errorf("backup: %s does not match its checksum in the manifest (%d bytes, want %d): the archive is damaged", f.Name, n, f.Size)
	}
	return nil
}
