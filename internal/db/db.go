// Package db opens the service's database, embedded SQLite or MySQL/MariaDB,
// and translates the few driver errors the domain packages must recognise.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	modernc "modernc.org/sqlite"
)

// Dialect names the SQL dialect behind a *gorm.DB.
type Dialect string

// The two dialects the service runs on.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// CheckDSN checks a database name as Open reads it, without connecting:
// "sqlite:<path>" or "mysql:<go-sql-driver DSN>".
func CheckDSN(dsn string) error {
	kind, rest, ok := strings.Cut(dsn, ":")
	if !ok || rest == "" {
		return fmt.Errorf("IFUTIAN_DB %q: want sqlite:<path> or mysql:<dsn>", dsn)
	}
	switch kind {
	case "sqlite":
		return nil
	case "mysql":
		if _, err := mysqldriver.ParseDSN(rest); err != nil {
			return fmt.Errorf("IFUTIAN_DB mysql DSN: %w", err)
		}
		return nil
	}
	return fmt.Errorf("IFUTIAN_DB %q: unknown database %q, want sqlite or mysql", dsn, kind)
}

// Open connects to the database named by dsn, "sqlite:<path>" or
// "mysql:<go-sql-driver DSN>", and checks that it answers.
// An unreachable MySQL server is reported with the address that was tried.
func Open(ctx context.Context, dsn string) (*gorm.DB, Dialect, error) {
	if err := CheckDSN(dsn); err != nil {
		return nil, "", err
	}
	kind, rest, _ := strings.Cut(dsn, ":")
	cfg := &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	switch kind {
	case "sqlite":
		gdb, err := openSQLite(ctx, rest, cfg)
		return gdb, SQLite, err
	case "mysql":
		gdb, err := openMySQL(ctx, rest, cfg)
		return gdb, MySQL, err
	default:
		return nil, "", fmt.Errorf("IFUTIAN_DB %q: unknown database %q, want sqlite or mysql", dsn, kind)
	}
}

func openSQLite(ctx context.Context, path string, cfg *gorm.Config) (*gorm.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
	}
	q := url.Values{}
	// Writers queue behind busy_timeout instead of failing; BEGIN IMMEDIATE
	// takes the write lock up front so two read-then-write transactions
	// cannot deadlock on lock upgrade. secure_delete overwrites deleted
	// content with zeros, so an erased resident's data does not linger in
	// the file's free space (see Checkpoint for the WAL).
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)", "secure_delete(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	gdb, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: "file:" + path + "?" + q.Encode()}), cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(8)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return gdb, nil
}

func openMySQL(ctx context.Context, dsn string, cfg *gorm.Config) (*gorm.DB, error) {
	mc, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("IFUTIAN_DB mysql DSN: %w", err)
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	// Send each query with its arguments in one round trip instead of
	// prepare + execute + close (safe: the connection charset is utf8mb4).
	mc.InterpolateParams = true
	if _, ok := mc.Params["charset"]; !ok {
		mc.Params["charset"] = "utf8mb4"
	}
	if mc.Timeout == 0 {
		mc.Timeout = 5 * time.Second
	}
	gdb, err := gorm.Open(mysql.New(mysql.Config{DSN: mc.FormatDSN()}), cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to MySQL at %s: %w", mc.Addr, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(64)
	sqlDB.SetMaxIdleConns(64)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to MySQL at %s: %w", mc.Addr, err)
	}
	return gdb, nil
}

// Checkpoint copies SQLite's write-ahead log into the database file and
// truncates the log, so that what was erased leaves the log's older pages
// too (with secure_delete, the file's pages no longer hold it). It waits
// for readers up to the busy timeout. On MySQL it does nothing: InnoDB
// keeps old row versions in its undo log until purge, and its redo log
// until it is overwritten.
func Checkpoint(ctx context.Context, gdb *gorm.DB) error {
	if DialectOf(gdb) != SQLite {
		return nil
	}
	var busy, logFrames, done int
	err := gdb.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &logFrames, &done)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("checkpoint: readers kept the write-ahead log busy")
	}
	return nil
}

// DialectOf reports the dialect of an open database.
func DialectOf(gdb *gorm.DB) Dialect {
	if gdb.Dialector.Name() == "mysql" {
		return MySQL
	}
	return SQLite
}

// IsDuplicate reports whether err is a unique-key violation
// (SQLite 2067 or 1555, MySQL 1062).
func IsDuplicate(err error) bool {
	var se *modernc.Error
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	return false
}

// SQL returns the *sql.DB under gdb.
func SQL(gdb *gorm.DB) *sql.DB {
	sqlDB, err := gdb.DB()
	if err != nil {
		// Only a gorm.DB built without a connection pool fails here, and
		// Open never builds one.
		panic(err)
	}
	return sqlDB
}
