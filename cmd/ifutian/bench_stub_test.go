//go:build !bench

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchNotInRelease: the binary built without the bench tag has no
// bench; `ifutian bench` says how to run it and touches no database.
func TestBenchNotInRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "never.db")
	for _, args := range [][]string{{"bench"}, {"bench", "points", "--duration", "1s"}, {"bench", "notify"}} {
		err := run(context.Background(), args, env("IFUTIAN_DB", "sqlite:"+path), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "go run -tags bench ./cmd/ifutian bench") {
			t.Fatalf("%v: err=%v, want how to run the bench", args, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v: the database file was made (%v)", args, err)
		}
	}
}
