package enterprises

import (
	"context"
	"fmt"
	"slices"
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

// TestImportReportsEveryLine: every line of the file is either imported or
// reported with its reason. A quote left open on one line is that line's
// fault alone: the lines after it are read as lines of their own (before,
// the CSV reader took the rest of the file as one field and those lines
// were neither imported nor reported).
func TestImportReportsEveryLine(t *testing.T) {
	f := newFixture(t)
	c := func(n int) string { return CompleteUSCC(fmt.Sprintf("91440304MA5%06d", n)) }
	file := "uscc,name,industry,street\r\n" +
		c(1) + ",好企业一,软件,华富街道\r\n" + // 2
		c(2) + ",\"引号未闭合,软件,华富街道\r\n" + // 3
		c(3) + ",好企业三,软件,华富街道\r\n" + // 4
		"\r\n" + // 5: blank, skipped
		c(4) + ",\"bad\"quote,软件,华富街道\n" + // 6
		c(5) + ",少一列,软件\n" + // 7
		c(6) + ",\"带引号的,名称\",软件,华富街道\n" // 8
	res, err := f.s.Import(context.Background(), f.admin, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, le := range res.Errors {
		if le.Message == "" {
			t.Fatalf("line %d reported without a reason", le.Line)
		}
		lines = append(lines, le.Line)
	}
	if res.Imported != 3 || !slices.Equal(lines, []int{3, 6, 7}) {
		t.Fatalf("imported %d, bad lines %v (%+v), want 3 and [3 6 7]", res.Imported, lines, res.Errors)
	}
	var names []string
	f.db.Model(&Enterprise{}).Order("uscc").Pluck("name", &names)
	if !slices.Equal(names, []string{"好企业一", "好企业三", "带引号的,名称"}) {
		t.Fatalf("registered %v", names)
	}
}
