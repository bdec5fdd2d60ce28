// Package dbtest opens a migrated, empty database for a test: a fresh SQLite
// file by default, or MySQL/MariaDB when IFUTIAN_TEST_MYSQL_DSN is set
// (e.g. "root@tcp(127.0.0.1:3306)/"). On MySQL each test binary gets its own
// database, created and migrated once and emptied before every test, so
// tests that use it must not call t.Parallel.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/migrations"
)

// EnvMySQL names the variable that switches the tests to MySQL.
const EnvMySQL = "IFUTIAN_TEST_MYSQL_DSN"

var mysqlOnce struct {
	sync.Once
	base string // EnvMySQL's value
	dsn  string // the binary's own database
	db   *gorm.DB
	err  error
}

// Main runs a test binary's tests, then drops the MySQL database they
// shared, if they made one, and returns the exit code. Call it from
// TestMain: os.Exit(dbtest.Main(m)). A binary that does not (or is killed)
// leaves its database to the next run's clean-up of ones over two hours old.
func Main(m *testing.M) int {
	code := m.Run()
	if mysqlOnce.db == nil {
		return code
	}
	db.SQL(mysqlOnce.db).Close()
	if err := dropMySQL(mysqlOnce.base, mysqlOnce.dsn); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest: drop the test database:", err)
	}
	return code
}

// Open returns an empty, migrated database for tb.
func Open(tb testing.TB) *gorm.DB {
	tb.Helper()
	if dsn := os.Getenv(EnvMySQL); dsn != "" {
		return openMySQL(tb, dsn)
	}
	return OpenSQLite(tb)
}

// DSN returns the IFUTIAN_DB value of a fresh, migrated database for tb,
// for tests that start the whole program.
func DSN(tb testing.TB) string {
	tb.Helper()
	if dsn := os.Getenv(EnvMySQL); dsn != "" {
		openMySQL(tb, dsn)
		return "mysql:" + mysqlOnce.dsn
	}
	path := filepath.Join(tb.TempDir(), "t.db")
	return "sqlite:" + path
}

// OpenSQLite returns a migrated SQLite database in a temporary file
// (not :memory:, where every pooled connection would see its own database).
func OpenSQLite(tb testing.TB) *gorm.DB {
	tb.Helper()
	gdb := openSQLiteFile(tb)
	if _, err := migrations.Up(context.Background(), db.SQL(gdb), "sqlite"); err != nil {
		tb.Fatal(err)
	}
	return gdb
}

// EmptyDSN returns the IFUTIAN_DB of a new database without tables for
// tb: a SQLite file, or a new MySQL database (dropped when tb ends) when
// EnvMySQL is set. Unlike DSN's, it is shared with no other test.
func EmptyDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvMySQL)
	if base == "" {
		return "sqlite:" + filepath.Join(tb.TempDir(), "t.db")
	}
	dsn, err := newMySQL(base)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := dropMySQL(base, dsn); err != nil {
			tb.Error(err)
		}
	})
	return "mysql:" + dsn
}

// OpenEmpty returns a database without tables for tb, and its dialect,
// for tests of the migrations themselves: a SQLite file, or a new MySQL
// database (dropped when tb ends) when EnvMySQL is set.
func OpenEmpty(tb testing.TB) (*gorm.DB, db.Dialect) {
	tb.Helper()
	base := os.Getenv(EnvMySQL)
	if base == "" {
		return openSQLiteFile(tb), db.SQLite
	}
	dsn, err := newMySQL(base)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := dropMySQL(base, dsn); err != nil {
			tb.Error(err)
		}
	})
	gdb, _, err := db.Open(context.Background(), "mysql:"+dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.SQL(gdb).Close() }) // runs before the drop
	return gdb, db.MySQL
}

func openSQLiteFile(tb testing.TB) *gorm.DB {
	tb.Helper()
	gdb, _, err := db.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.SQL(gdb).Close() })
	return gdb
}

func openMySQL(tb testing.TB, base string) *gorm.DB {
	tb.Helper()
	mysqlOnce.Do(func() {
		mysqlOnce.base = base
		mysqlOnce.dsn, mysqlOnce.db, mysqlOnce.err = createMySQL(base)
	})
	if mysqlOnce.err != nil {
		tb.Fatal(mysqlOnce.err)
	}
	if err := truncateAll(mysqlOnce.db); err != nil {
		tb.Fatal(err)
	}
	return mysqlOnce.db
}

// createMySQL makes the binary's own database on the server of base
// (EnvMySQL's value) and migrates it.
func createMySQL(base string) (string, *gorm.DB, error) {
	ctx := context.Background()
	dsn, err := newMySQL(base)
	if err != nil {
		return "", nil, err
	}
	gdb, _, err := db.Open(ctx, "mysql:"+dsn)
	if err != nil {
		return "", nil, err
	}
	if _, err := migrations.Up(ctx, db.SQL(gdb), "mysql"); err != nil {
		return "", nil, err
	}
	return dsn, gdb, nil
}

// newMySQL creates an empty database on the server of base, named so that
// dropStale knows its age, and returns its DSN. It drops stale ones first.
func newMySQL(base string) (string, error) {
	admin, cfg, err := openAdmin(base)
	if err != nil {
		return "", err
	}
	defer db.SQL(admin).Close()
	dropStale(admin)
	var b [4]byte
	rand.Read(b[:])
	name := fmt.Sprintf("ifutian_test_%d_%s", time.Now().Unix(), hex.EncodeToString(b[:]))
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		return "", err
	}
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

// dropMySQL drops the database of dsn, on the server of base.
func dropMySQL(base, dsn string) error {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return err
	}
	admin, _, err := openAdmin(base)
	if err != nil {
		return err
	}
	defer db.SQL(admin).Close()
	return admin.Exec("DROP DATABASE IF EXISTS `" + cfg.DBName + "`").Error
}

// openAdmin connects to the server of base (EnvMySQL's value) and returns
// the connection and base's parsed config.
func openAdmin(base string) (*gorm.DB, *mysqldriver.Config, error) {
	cfg, err := mysqldriver.ParseDSN(base)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", EnvMySQL, err)
	}
	admin, _, err := db.Open(context.Background(), "mysql:"+cfg.FormatDSN())
	if err != nil {
		return nil, nil, err
	}
	return admin, cfg, nil
}

// dropStale drops test databases that earlier runs created more than two
// hours ago (their names carry the creation time), so a developer's server
// does not fill up with them.
func dropStale(admin *gorm.DB) {
	var names []string
	admin.Raw("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'ifutian\\_test\\_%'").Scan(&names)
	cutoff := time.Now().Add(-2 * time.Hour).Unix()
	for _, n := range names {
		var created int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(n, "ifutian_test_"), "%d_", &created); err != nil || created < cutoff {
			admin.Exec("DROP DATABASE IF EXISTS `" + n + "`")
		}
	}
}

func truncateAll(gdb *gorm.DB) error {
	return gdb.Connection(func(tx *gorm.DB) error {
		var tables []string
		if err := tx.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'").Scan(&tables).Error; err != nil {
			return err
		}
		if err := tx.Exec("SET FOREIGN_KEY_CHECKS = 0").Error; err != nil {
			return err
		}
		defer tx.Exec("SET FOREIGN_KEY_CHECKS = 1")
		for _, t := range tables {
			if strings.HasPrefix(t, "goose_") {
				continue
			}
			stmt := "DELETE FROM `" + t + "`"
			if t == "audit_log" {
				// Append-only: its triggers refuse DELETE; TRUNCATE fires none.
				stmt = "TRUNCATE TABLE audit_log"
			}
			// DELETE is much faster than TRUNCATE on InnoDB's small tables.
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
