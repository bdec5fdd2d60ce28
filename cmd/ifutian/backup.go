package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/backup"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/migrations"
	"github.com/futian/ifutian/storage"
)

// version and commit are the release and its commit, set at build time
// (-ldflags "-X main.version=v1.2.0 -X main.commit=…"; the Dockerfile does);
// without them the build info's.
var version, commit string

// buildVersion returns the release and the VCS commit the binary was built from.
func buildVersion() (string, string) {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v, c
}

const mysqlBackupHint = `ifutian backup does not copy a MySQL database: back it up with mysqldump --single-transaction or a physical backup (README, "Operating it", "Back up and restore"); --photos-only backs up the photos`

// backupOptions gathers what an archive is made of: the database gdb (nil:
// photos only), the photo store and the keys' fingerprints.
func backupOptions(ctx context.Context, cfg Config, gdb *gorm.DB) (backup.Options, error) {
	v, commit := buildVersion()
	o := backup.Options{Version: v, Commit: commit, Keys: map[string][]byte{}}
	if gdb != nil {
		o.DB = db.SQL(gdb)
	}
	// The keys in use: configured, or the development keys beside the
	// SQLite file; never new ones (their fingerprints would not be the data's).
	sqlitePath, _ := strings.CutPrefix(cfg.DB, "sqlite:")
	if !strings.HasPrefix(cfg.DB, "sqlite:") {
		sqlitePath = ""
	}
	keys, err := restoreKeys(cfg, sqlitePath)
	if err != nil {
		return o, err
	}
	for name, v := range map[string]string{"data_key": "IFUTIAN_DATA_KEY", "member_code_key": "IFUTIAN_MEMBER_CODE_KEY"} {
		if keys[name] == nil {
			return o, fmt.Errorf("backup: %s is not set and no development key is beside the database: set the key the service runs with (the archive records its fingerprint)", v)
		}
	}
	o.Keys = keys
	store, err := openStore(ctx, cfg.RequestsConfig)
	if err != nil {
		return o, err
	}
	bs, ok := store.(backup.Store)
	if !ok {
		return o, fmt.Errorf("backup: the photo store %T cannot be listed", store)
	}
	o.Store = bs
	return o, nil
}

// backupTarget is where archives are kept: IFUTIAN_BACKUP_DIR, or the
// photos' bucket under backups/.
func backupTarget(ctx context.Context, cfg Config, s3 bool, dir string) (backup.Target, error) {
	if !s3 {
		return backup.Dir(dir), nil
	}
	if cfg.S3.Endpoint == "" {
		return nil, errors.New("backups in S3 need the photos' bucket (IFUTIAN_S3_ENDPOINT)")
	}
	b, err := storage.NewS3(ctx, cfg.S3)
	if err != nil {
		return nil, err
	}
	return backup.S3{Bucket: b}, nil
}

const backupUsage = "usage: ifutian backup [--out FILE.tar.gz|DIR|s3] [--keep N] [--photos-only]"

// backupCommand runs `ifutian backup`: an archive of the SQLite database
// (an online snapshot: the server may keep running) and the photos.
func backupCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	keep := fs.Int("keep", 0, "")
	photosOnly := fs.Bool("photos-only", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errors.New(backupUsage)
	}
	sqlitePath, isSQLite := strings.CutPrefix(cfg.DB, "sqlite:")
	if !isSQLite && !*photosOnly {
		return errors.New(mysqlBackupHint)
	}
	var gdb *gorm.DB
	if !*photosOnly {
		if _, err := os.Stat(sqlitePath); err != nil {
			return fmt.Errorf("IFUTIAN_DB: %w", err)
		}
		// No migrations: a backup leaves the schema as the running server has it.
		var err error
		if gdb, _, err = db.Open(ctx, cfg.DB); err != nil {
			return err
		}
		defer db.SQL(gdb).Close()
	}
	o, err := backupOptions(ctx, cfg, gdb)
	if err != nil {
		return err
	}
	var t backup.Target
	switch {
	case *out == "":
		t, err = backupTarget(ctx, cfg, cfg.Backup.S3, cfg.Backup.Dir)
	case *out == "s3":
		t, err = backupTarget(ctx, cfg, true, "")
	case strings.HasSuffix(*out, ".tar.gz"):
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		m, err := backup.Create(ctx, o, f)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
			return err
		}
		printManifest(stdout, *out, m)
		return nil
	default:
		t = backup.Dir(*out)
	}
	if err != nil {
		return err
	}
	o.TempDir = tempDirFor(t)
	name, m, err := backup.Save(ctx, o, t, *keep)
	if err != nil {
		return err
	}
	if d, ok := t.(backup.Dir); ok {
		name = filepath.Join(string(d), name)
	} else {
		name = "s3:backups/" + name
	}
	printManifest(stdout, name, m)
	return nil
}

// tempDirFor spools archives beside a local target (the same file system:
// the final rename is atomic), else in the system's temporary directory.
func tempDirFor(t backup.Target) string {
	if d, ok := t.(backup.Dir); ok {
		os.MkdirAll(string(d), 0o700)
		return string(d)
	}
	return ""
}

func printManifest(w io.Writer, name string, m *backup.Manifest) {
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	photos := 0
	for _, f := range m.Files {
		if f.Name != backup.DBName {
			photos++
		}
	}
	fmt.Fprintf(w, "archive: %s\ndatabase: %s\nmigration: %d\nrows: %d\nphotos: %d\nkeys: data_key %s, member_code_key %s\n",
		name, or(m.Database, "none (photos only)"), m.Migration, rows, photos, m.Keys["data_key"], m.Keys["member_code_key"])
	if len(m.MissingPhotos) > 0 {
		fmt.Fprintf(w, "photos named by the database but absent from the store: %d\n", len(m.MissingPhotos))
	}
}

// scheduledBackup is serve's backup task (IFUTIAN_BACKUP_EVERY): an
// archive once the newest kept one is older than the interval, then the
// retention. On MySQL it backs up the photos only. Several instances may
// each write one: set IFUTIAN_BACKUP_EVERY on one.
func (a *instance) scheduledBackup(ctx context.Context) (int, error) {
	cfg := a.cfg.Backup
	t, err := backupTarget(ctx, a.cfg, cfg.S3, cfg.Dir)
	if err != nil {
		return 0, err
	}
	latest, err := backup.Latest(ctx, t)
	if err != nil {
		return 0, err
	}
	if !latest.IsZero() {
		a.ops.done(latest) // the newest archive kept, also after a restart
	}
	if time.Since(latest) < cfg.Every-time.Minute {
		return 0, nil
	}
	var gdb *gorm.DB
	if strings.HasPrefix(a.cfg.DB, "sqlite:") {
		gdb = a.db
	}
	o, err := backupOptions(ctx, a.cfg, gdb)
	if err != nil {
		return 0, err
	}
	o.TempDir = tempDirFor(t)
	start := time.Now()
	name, m, err := backup.Save(ctx, o, t, cfg.Keep)
	if err != nil {
		return 0, err
	}
	a.ops.done(m.CreatedAt)
	a.log.Info("backup written", "archive", name, "files", len(m.Files), "took", time.Since(start).Round(time.Millisecond))
	return 1, nil
}

const restoreUsage = "usage: ifutian restore <archive.tar.gz | s3:backups/NAME>"

// restoreCommand runs `ifutian restore`: the archive into the configured
// database (a new SQLite file) and photo store (empty), then checks it.
func restoreCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New(restoreUsage)
	}
	path := args[0]
	if name, ok := strings.CutPrefix(path, "s3:"); ok {
		if cfg.S3.Endpoint == "" {
			return errors.New("restore from S3 needs the bucket (IFUTIAN_S3_ENDPOINT)")
		}
		b, err := storage.NewS3(ctx, cfg.S3)
		if err != nil {
			return err
		}
		r, err := b.GetBackup(ctx, name)
		if err != nil {
			return err
		}
		f, err := os.CreateTemp("", "ifutian-restore-*")
		if err != nil {
			r.Close()
			return err
		}
		defer os.Remove(f.Name())
		_, err = io.Copy(f, r)
		r.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("download %s: %w", name, err)
		}
		path = f.Name()
	}
	m, err := backup.ReadManifest(path)
	if err != nil {
		return err
	}
	sqlitePath, isSQLite := strings.CutPrefix(cfg.DB, "sqlite:")
	if m.Database != "" && !isSQLite {
		return errors.New("the archive holds a SQLite database: restore it with IFUTIAN_DB=sqlite:<new path> (a MySQL database is restored from its own dump)")
	}
	if !isSQLite {
		sqlitePath = ""
	}
	keys, err := restoreKeys(cfg, sqlitePath)
	if err != nil {
		return err
	}
	if err := backup.CheckKeys(m, keys); err != nil {
		return fmt.Errorf("%w\nset IFUTIAN_DATA_KEY and IFUTIAN_MEMBER_CODE_KEY to the keys the backed-up service used", err)
	}
	store, err := openStore(ctx, cfg.RequestsConfig)
	if err != nil {
		return err
	}
	bs, ok := store.(backup.Store)
	if !ok {
		return fmt.Errorf("restore: the photo store %T cannot be listed", store)
	}
	latest, err := migrations.Latest(string(db.SQLite))
	if err != nil {
		return err
	}
	o := backup.RestoreOptions{Store: bs, Keys: keys, Latest: latest}
	if m.Database != "" {
		o.SQLitePath = sqlitePath
	}
	rep, err := backup.Restore(ctx, path, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored: %d files checked against the manifest\n", rep.Files)
	if m.Database == "" {
		fmt.Fprintln(stdout, "photos only: restore the MySQL database from its own dump")
		return nil
	}
	fmt.Fprintf(stdout, "migration: %d, row counts of %d tables as in the manifest\nphotos the database names: %d, all present\n", m.Migration, len(m.Tables), rep.Photos)
	if m.Migration < latest {
		fmt.Fprintf(stdout, "the archive's schema is at migration %d: this release migrates it to %d now\n", m.Migration, latest)
	}
	// The ledger check is `ifutian points reconcile`'s, on the restored data.
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	bad, checked, err := a.Points.Reconcile(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "points accounts checked: %d\nmismatches: %d\n", checked, len(bad))
	if len(bad) > 0 {
		return fmt.Errorf("restore: points reconcile found %d mismatches, first %v", len(bad), bad[0])
	}
	return nil
}

// restoreKeys are the configured keys, or the development keys kept beside
// the SQLite file if they are there already (never generated: a new key
// could not open the data). Backup and restore both read them so.
func restoreKeys(cfg Config, sqlitePath string) (map[string][]byte, error) {
	keys := map[string][]byte{"data_key": cfg.DataKeyBytes, "member_code_key": cfg.MemberCodeKey}
	for name, suffix := range map[string]string{"data_key": ".key", "member_code_key": ".member-code.key"} {
		if keys[name] != nil || sqlitePath == "" {
			continue
		}
		raw, err := os.ReadFile(sqlitePath + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if keys[name], err = pii.ParseKey(string(raw)); err != nil {
			return nil, fmt.Errorf("%s%s: %w", sqlitePath, suffix, err)
		}
	}
	return keys, nil
}

// healthcheck runs `ifutian healthcheck`: GET /healthz of the server on
// IFUTIAN_ADDR (the container's HEALTHCHECK: the image has no curl).
func healthcheck(ctx context.Context, cfg Config, args []string) error {
	url := ""
	if len(args) == 1 {
		url = args[0]
	} else {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return fmt.Errorf("IFUTIAN_ADDR %q: %w", cfg.Addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", url, resp.StatusCode)
	}
	return nil
}
