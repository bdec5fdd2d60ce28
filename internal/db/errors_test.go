package db_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"path/filepath"
	"testing"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

// TestInvalidText: MySQL refuses bytes that are not UTF-8 and the error is
// recognised with its column; SQLite stores them and reports nothing.
func TestInvalidText(t *testing.T) {
	gdb := dbtest.Open(t)
	err := gdb.Exec("INSERT INTO departments (name, created_at) VALUES (?, ?)", "部门\xff\xfe", "2026-01-01 00:00:00").Error
	if db.DialectOf(gdb) == db.SQLite {
		if err != nil {
			t.Fatalf("SQLite: %v", err)
		}
		return
	}
	column, ok := db.InvalidText(err)
	if !ok || column != "name" {
		t.Fatalf("InvalidText(%v)=%q, %v; want name, true", err, column, ok)
	}
	if _, ok := db.InvalidText(errors.New("Incorrect string value")); ok {
		t.Fatal("a plain error recognised")
	}
}

// TestIsUnavailable classifies real failures: a closed pool, SQLite busy
// past its timeout, a MySQL server that refuses connections; and not a
// request's own mistake.
func TestIsUnavailable(t *testing.T) {
	ctx := context.Background()
	t.Run("ClosedPool", func(t *testing.T) {
		gdb := dbtest.OpenSQLite(t)
		db.SQL(gdb).Close()
		err := gdb.Exec("SELECT 1").Error
		if !db.IsUnavailable(err) {
			t.Fatalf("IsUnavailable(%v)=false", err)
		}
	})
	t.Run("SQLiteBusy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "busy.db")
		holder, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		if _, err := holder.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		tx, err := holder.Begin() // holds the write lock
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		_, err = other.Exec("INSERT INTO t VALUES (1)")
		if err == nil || !db.IsUnavailable(err) {
			t.Fatalf("IsUnavailable(%v)=false", err)
		}
	})
	t.Run("MySQLRefused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		_, _, err = db.Open(ctx, "mysql:root@tcp("+addr+")/x?timeout=1s")
		if err == nil || !db.IsUnavailable(err) {
			t.Fatalf("IsUnavailable(%v)=false", err)
		}
	})
	t.Run("NotUnavailable", func(t *testing.T) {
		gdb := dbtest.Open(t)
		for _, err := range []error{
			gdb.Exec("SELECT * FROM no_such_table").Error,
			gdb.Exec("INSERT INTO departments (name) VALUES (NULL)").Error,
			errors.New("other"),
			nil,
		} {
			if db.IsUnavailable(err) {
				t.Fatalf("IsUnavailable(%v)=true", err)
			}
		}
	})
}
