package enterprises

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestImportConcurrent: the same file imported by several officers at once
// registers each enterprise once; every line is imported by exactly one of
// them and reported as already registered by the others.
func TestImportConcurrent(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("uscc,name,industry,street\n")
	const lines = 30
	for i := range lines {
		fmt.Fprintf(&b, "%s,企业%d,软件,华富街道\n", CompleteUSCC(fmt.Sprintf("91440304MA5%06d", i)), i)
	}
	const importers = 6
	results := make([]*ImportResult, importers)
	var wg sync.WaitGroup
	for i := range importers {
		wg.Go(func() {
			res, err := f.s.Import(context.Background(), f.admin, strings.NewReader(b.String()))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	imported, reported := 0, map[int]int{}
	for _, r := range results {
		imported += r.Imported
		for _, le := range r.Errors {
			if le.Message != ErrExists.Message {
				t.Fatalf("line %d: %s", le.Line, le.Message)
			}
			reported[le.Line]++
		}
	}
	if imported != lines {
		t.Fatalf("imported %d in all, want %d", imported, lines)
	}
	for line := 2; line < lines+2; line++ {
		if reported[line] != importers-1 {
			t.Fatalf("line %d reported by %d importers, want %d", line, reported[line], importers-1)
		}
	}
	var n, rated int64
	f.db.Model(&Enterprise{}).Count(&n)
	f.db.Model(&Rating{}).Count(&rated)
	if n != lines || rated != lines {
		t.Fatalf("enterprises=%d ratings=%d, want %d each", n, rated, lines)
	}
}
