// Package backup writes and restores the service's backup archives: a
// consistent snapshot of the embedded SQLite database (VACUUM INTO, taken
// online through the running connection pool) and every stored photo, in
// one tar.gz with a manifest (version, migration level, row counts, a
// checksum per file, the fingerprints of the keys it needs). The keys
// themselves are never in an archive. On MySQL the database is backed up
// with its own tools; an archive then holds the photos only.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the snapshot is read with the pure-Go driver

	"github.com/futian/ifutian/migrations"
	"github.com/futian/ifutian/storage"
)

// FormatVersion is the archive layout this package writes and reads.
const FormatVersion = 1

// Names inside an archive.
const (
	ManifestName = "manifest.json"
	DBName       = "db.sqlite"
	filesPrefix  = "files/"
)

// maxObject bounds one stored object read into memory (photos are a few
// megabytes; the upload limits are far below this).
const maxObject = 256 << 20

// Manifest describes an archive. It is its last entry, manifest.json.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"version"`
	Commit    string    `json:"commit,omitempty"`
	// Database is "sqlite" when the archive holds the database (db.sqlite),
	// "" for a photos-only archive (MySQL).
	Database  string           `json:"database"`
	Migration int64            `json:"migration,omitempty"`
	Tables    map[string]int64 `json:"tables,omitempty"`
	// Keys are the fingerprints (Fingerprint) of the keys the data needs:
	// "data_key" (IFUTIAN_DATA_KEY), "member_code_key" (IFUTIAN_MEMBER_CODE_KEY).
	Keys  map[string]string `json:"keys"`
	Files []File            `json:"files"`
	// MissingPhotos are keys the database names that the store did not
	// hold when the archive was written (deleted since the snapshot, or lost
	// before): restore does not expect them.
	MissingPhotos []string `json:"missing_photos,omitempty"`
}

// File is one entry of an archive besides the manifest.
type File struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type,omitempty"`
}

// Store is where photos are kept: storage.Local or storage.S3.
type Store interface {
	Walk(ctx context.Context, fn func(key string) error) error
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
}

// Fingerprint names a key without revealing it: the first 16 hex digits of
// a SHA-256 over a fixed label and the key.
func Fingerprint(key []byte) string {
	h := sha256.New()
	h.Write([]byte("ifutian key fingerprint v1\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Options configure Create.
type Options struct {
	// DB is the running SQLite database to snapshot; nil for a photos-only
	// archive.
	DB    *sql.DB
	Store Store
	// Keys are the keys in use by name ("data_key", "member_code_key"):
	// only their fingerprints are written.
	Keys            map[string][]byte
	Version, Commit string
	// TempDir holds the snapshot while the archive is written ("" for the
	// system's).
	TempDir string
	// AfterSnapshot, if not nil, is called once the database snapshot is
	// taken (tests).
	AfterSnapshot func()
}

// Create writes an archive to w and returns its manifest.
func Create(ctx context.Context, o Options, w io.Writer) (*Manifest, error) {
	m := &Manifest{Format: FormatVersion, CreatedAt: time.Now().UTC(), Version: o.Version, Commit: o.Commit, Keys: map[string]string{}}
	for name, k := range o.Keys {
		m.Keys[name] = Fingerprint(k)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	referenced := map[string]bool{}
	if o.DB != nil {
		dir, err := os.MkdirTemp(o.TempDir, "ifutian-backup-*")
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		defer os.RemoveAll(dir)
		snap := filepath.Join(dir, DBName)
		// VACUUM INTO reads one consistent snapshot (a read transaction) while
		// writers go on in WAL mode, and writes a compact copy.
		if _, err := o.DB.ExecContext(ctx, "VACUUM INTO ?", snap); err != nil {
			return nil, fmt.Errorf("backup: snapshot the database: %w", err)
		}
		if o.AfterSnapshot != nil {
			o.AfterSnapshot()
		}
		m.Database = "sqlite"
		facts, err := inspect(ctx, snap)
		if err != nil {
			return nil, fmt.Errorf("backup: read the snapshot: %w", err)
		}
		m.Migration, m.Tables, referenced = facts.migration, facts.tables, facts.photos
		f, err := os.Open(snap)
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		entry, err := addFile(tw, DBName, f, "")
		f.Close()
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, entry)
	}
	if o.Store != nil {
		stored := map[string]bool{}
		err := o.Store.Walk(ctx, func(key string) error {
			r, ct, err := o.Store.Get(ctx, key)
			if errors.Is(err, storage.ErrNotFound) {
				return nil // deleted while walking
			}
			if err != nil {
				return err
			}
			defer r.Close()
			body, err := io.ReadAll(io.LimitReader(r, maxObject+1))
			if err != nil {
				return fmt.Errorf("read %s: %w", key, err)
			}
			if len(body) > maxObject {
				return fmt.Errorf("object %s is larger than %d bytes", key, maxObject)
			}
			entry, err := addFile(tw, filesPrefix+key, strings.NewReader(string(body)), ct)
			if err != nil {
				return err
			}
			stored[key] = true
			m.Files = append(m.Files, entry)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("backup: photos: %w", err)
		}
		for k := range referenced {
			if !stored[k] {
				m.MissingPhotos = append(m.MissingPhotos, k)
			}
		}
		slices.Sort(m.MissingPhotos)
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(raw)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(raw); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// addFile writes r (a regular file or a string reader, whose size is
// known) as name and returns its manifest entry.
func addFile(tw *tar.Writer, name string, r io.Reader, contentType string) (File, error) {
	var size int64
	switch v := r.(type) {
	case *os.File:
		st, err := v.Stat()
		if err != nil {
			return File{}, err
		}
		size = st.Size()
	case *strings.Reader:
		size = v.Size()
	default:
		return File{}, errors.New("backup: unknown size")
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: time.Now().UTC(), Typeflag: tar.TypeReg}); err != nil {
		return File{}, fmt.Errorf("backup %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), r)
	if err != nil {
		return File{}, fmt.Errorf("backup %s: %w", name, err)
	}
	if n != size {
		return File{}, fmt.Errorf("backup %s: %d bytes, want %d", name, n, size)
	}
	return File{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType}, nil
}

// photoColumns are the columns that name stored objects.
var photoColumns = [][2]string{
	{"request_photos", "storage_key"}, {"request_photos", "thumb_key"},
	{"residents", "avatar_key"},
	{"rewards", "image_key"}, {"rewards", "thumb_key"},
	{"activities", "image_key"}, {"activities", "thumb_key"},
}

type facts struct {
	migration int64
	tables    map[string]int64
	photos    map[string]bool // keys of stored objects the database names
}

// inspect reads a SQLite file's migration level, its row count per table
// and the stored objects it names, without writing to it.
func inspect(ctx context.Context, path string) (facts, error) {
	f := facts{tables: map[string]int64{}, photos: map[string]bool{}}
	sqlDB, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return f, err
	}
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1)
	rows, err := sqlDB.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return f, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return f, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, n := range names {
		var c int64
		if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return f, fmt.Errorf("count %s: %w", n, err)
		}
		f.tables[n] = c
	}
	if f.migration, err = migrations.Version(ctx, sqlDB, "sqlite"); err != nil {
		return f, err
	}
	for _, tc := range photoColumns {
		if _, ok := f.tables[tc[0]]; !ok {
			continue
		}
		rows, err := sqlDB.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL AND %s <> ''", tc[1], tc[0], tc[1], tc[1]))
		if err != nil {
			if strings.Contains(err.Error(), "no such column") {
				continue // an older schema
			}
			return f, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return f, err
			}
			f.photos[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return f, err
		}
	}
	return f, nil
}
