package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/migrations"
	"github.com/futian/ifutian/storage"
)

var keys = map[string][]byte{"data_key": bytes.Repeat([]byte{1}, 32), "member_code_key": bytes.Repeat([]byte{2}, 32)}

func put(t *testing.T, s Store, key, body string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
}

func local(t *testing.T) *storage.Local {
	t.Helper()
	l, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// s3Buckets starts an S3 server (gofakes3) with the named buckets.
func s3Buckets(t *testing.T, names ...string) []*storage.S3 {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	var out []*storage.S3
	for _, n := range names {
		if err := backend.CreateBucket(n); err != nil {
			t.Fatal(err)
		}
		s, err := storage.NewS3(context.Background(), storage.S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: n, AccessKey: "k", SecretKey: "s", Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// source is a migrated SQLite database naming two stored avatars, one of
// which the store lacks.
func source(t *testing.T, store Store) (*Options, string) {
	t.Helper()
	gdb := dbtest.OpenSQLite(t)
	present, lost := storage.NewKey("avatar"), storage.NewKey("avatar")
	now := time.Now().UTC()
	for i, k := range []string{present, lost} {
		if err := gdb.Exec("INSERT INTO residents (id, nickname, avatar_key, created_at, updated_at) VALUES (?, 'n', ?, ?, ?)", i+1, k, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	put(t, store, present, "\xff\xd8 avatar")
	put(t, store, storage.NewKey("photo"), "\xff\xd8 an upload no row names yet")
	return &Options{DB: db.SQL(gdb), Store: store, Keys: keys, Version: "test"}, lost
}

func write(t *testing.T, o Options) (string, *Manifest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Create(context.Background(), o, f)
	if err != nil {
		t.Fatal(err)
	}
	return path, m
}

func latest(t *testing.T) int64 {
	n, err := migrations.Latest("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRoundTrip(t *testing.T) {
	for name, stores := range map[string]func(t *testing.T) (Store, Store){
		"Local": func(t *testing.T) (Store, Store) { return local(t), local(t) },
		"S3": func(t *testing.T) (Store, Store) {
			b := s3Buckets(t, "source", "target")
			return b[0], b[1]
		},
	} {
		t.Run(name, func(t *testing.T) {
			from, to := stores(t)
			o, lost := source(t, from)
			path, m := write(t, *o)
			if m.Database != "sqlite" || m.Migration != latest(t) || m.Tables["residents"] != 2 || len(m.Files) != 3 {
				t.Fatalf("manifest %+v", m)
			}
			if !slices.Equal(m.MissingPhotos, []string{lost}) {
				t.Fatalf("missing photos %v, want %v", m.MissingPhotos, lost)
			}
			raw, _ := os.ReadFile(path)
			if bytes.Contains(raw, keys["data_key"]) {
				t.Fatal("a key is in the archive")
			}
			target := filepath.Join(t.TempDir(), "new", "r.db") // its folder is made
			rep, err := Restore(context.Background(), path, RestoreOptions{SQLitePath: target, Store: to, Keys: keys, Latest: latest(t)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Files != 3 || rep.Photos != 1 {
				t.Fatalf("report %+v", rep)
			}
			// Again into the same targets: refused, nothing changed.
			if _, err := Restore(context.Background(), path, RestoreOptions{SQLitePath: filepath.Join(t.TempDir(), "x.db"), Store: to, Keys: keys, Latest: latest(t)}); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("restore into a non-empty store: %v", err)
			}
			if _, err := Restore(context.Background(), path, RestoreOptions{SQLitePath: target, Store: local(t), Keys: keys, Latest: latest(t)}); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("restore over a database: %v", err)
			}
		})
	}
}

func TestRestoreRefuses(t *testing.T) {
	o, _ := source(t, local(t))
	path, _ := write(t, *o)
	restore := func(path string, mod func(*RestoreOptions)) error {
		ro := RestoreOptions{SQLitePath: filepath.Join(t.TempDir(), "r.db"), Store: local(t), Keys: keys, Latest: latest(t)}
		if mod != nil {
			mod(&ro)
		}
		_, err := Restore(context.Background(), path, ro)
		if err != nil {
			if _, serr := os.Stat(ro.SQLitePath); serr == nil {
				t.Errorf("a refused restore left %s", ro.SQLitePath)
			}
		}
		return err
	}
	t.Run("OtherKey", func(t *testing.T) {
		err := restore(path, func(ro *RestoreOptions) {
			ro.Keys = map[string][]byte{"data_key": keys["data_key"], "member_code_key": bytes.Repeat([]byte{3}, 32)}
		})
		if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), "member_code_key") {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("NoKey", func(t *testing.T) {
		if err := restore(path, func(ro *RestoreOptions) { ro.Keys = nil }); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("NewerSchema", func(t *testing.T) {
		if err := restore(path, func(ro *RestoreOptions) { ro.Latest-- }); err == nil || !strings.Contains(err.Error(), "knows up to") {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("AlteredFile", func(t *testing.T) {
		// The same archive with one photo's bytes changed and its manifest kept.
		altered := rewrite(t, path, func(name string, body []byte) []byte {
			if strings.HasPrefix(name, "files/avatar/") {
				return append([]byte(nil), append(body[:len(body)-1], 'X')...)
			}
			return body
		})
		if err := restore(altered, nil); err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("DroppedFile", func(t *testing.T) {
		dropped := rewrite(t, path, func(name string, body []byte) []byte {
			if strings.HasPrefix(name, "files/photo/") {
				return nil
			}
			return body
		})
		if err := restore(dropped, nil); err == nil || !strings.Contains(err.Error(), "lacks") {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("NotAnArchive", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "x.tar.gz")
		os.WriteFile(f, []byte("hello"), 0o600)
		if err := restore(f, nil); err == nil {
			t.Fatal("restored a file that is no archive")
		}
	})
}

// rewrite copies the archive at path, passing every entry but the
// manifest through edit (nil drops the entry).
func rewrite(t *testing.T, path string, edit func(name string, body []byte) []byte) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rewritten.tar.gz")
	f, _ := os.Create(out)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	err := eachEntry(path, func(h *tar.Header, r io.Reader) error {
		body, _ := io.ReadAll(r)
		if h.Name != ManifestName {
			body = edit(h.Name, body)
			if body == nil {
				return nil
			}
		}
		h.Size = int64(len(body))
		tw.WriteHeader(h)
		_, err := tw.Write(body)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	gz.Close()
	return out
}

// TestPhotosOnly: the archive of a MySQL deployment's photos, kept in the
// bucket itself (under backups/, which the photo walk skips), restored
// into an empty bucket.
func TestPhotosOnly(t *testing.T) {
	b := s3Buckets(t, "photos", "restored")
	put(t, b[0], storage.NewKey("photo"), "one")
	put(t, b[0], storage.NewKey("thumb"), "two")
	target := S3{Bucket: b[0]}
	ctx := context.Background()
	for range 3 {
		if _, _, err := Save(ctx, Options{Store: b[0], Keys: keys}, target, 2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // names are by the millisecond
	}
	names, _ := target.List(ctx)
	if len(names) != 2 {
		t.Fatalf("kept %v, want the newest 2", names)
	}
	r, err := b[0].GetBackup(ctx, names[1])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.tar.gz")
	f, _ := os.Create(path)
	io.Copy(f, r)
	r.Close()
	f.Close()
	m, err := ReadManifest(path)
	if err != nil || m.Database != "" || len(m.Files) != 2 {
		t.Fatalf("manifest %+v %v", m, err)
	}
	rep, err := Restore(ctx, path, RestoreOptions{Store: b[1], Keys: keys})
	if err != nil || rep.Files != 2 {
		t.Fatalf("restore: %+v %v", rep, err)
	}
}

func TestPruneAndLatest(t *testing.T) {
	d := Dir(t.TempDir())
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		name := ArchiveName(base.Add(time.Duration(i) * time.Hour))
		if err := d.Put(ctx, name, strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(string(d), "notes.txt"), []byte("mine"), 0o600)
	if n, err := Prune(ctx, d, 2); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	names, _ := d.List(ctx)
	want := []string{ArchiveName(base.Add(2 * time.Hour)), ArchiveName(base.Add(3 * time.Hour)), "notes.txt"}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("left %v, want %v", names, want)
	}
	if l, err := Latest(ctx, d); err != nil || !l.Equal(base.Add(3*time.Hour)) {
		t.Fatalf("latest %v %v", l, err)
	}
}
