package surveys

import (
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestExportLargeConstantMemory exports 100k responses as CSV and XLSX and
// reports the peak heap, which must stay flat (it does not grow with the
// number of rows). It takes a while, so it runs only with
// IFUTIAN_LARGE_EXPORT=1.
func TestExportLargeConstantMemory(t *testing.T) {
	if os.Getenv("IFUTIAN_LARGE_EXPORT") == "" {
		t.Skip("set IFUTIAN_LARGE_EXPORT=1 to export 100k responses")
	}
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("IFUTIAN_LARGE_EXPORT")); err == nil && v > 1 {
		n = v
	}
	// Residents and responses in bulk, straight into the tables.
	rows := make([]map[string]any, 0, 1000)
	flush := func(table string) {
		if err := f.db.Table(table).CreateInBatches(rows, 500).Error; err != nil {
			t.Fatal(err)
		}
		rows = rows[:0]
	}
	for i := 1; i <= n; i++ {
		rows = append(rows, map[string]any{"openid": "big" + strconv.Itoa(i), "street": "华富街道", "community": "田面社区",
			"created_at": f.now, "updated_at": f.now})
		if len(rows) == cap(rows) {
			flush("residents")
		}
	}
	var first int64
	f.db.Table("residents").Select("MIN(id)").Where("openid LIKE 'big%'").Scan(&first)
	answers := mustJSON(map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"发热", "咳嗽"}, key(qs[3].ID): {"一段比较长的备注文字，用来让每一行都有一些分量。"}})
	for i := 0; i < n; i++ {
		rows = append(rows, map[string]any{"survey_id": sv.ID, "resident_id": first + int64(i), "day": "2026-11-23", "street": "华富街道",
			"community": "田面社区", "answers": answers, "submitted_at": f.now, "created_at": f.now})
		if len(rows) == cap(rows) {
			flush("survey_responses")
		}
	}
	measure := func(write func(*Export, io.Writer) error) (uint64, int64, time.Duration) {
		exp, err := f.s.PrepareExport(ctx, f.editor, sv.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		}()
		cw := &countingWriter{}
		start := time.Now()
		if err := write(exp, cw); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		close(done)
		p := peak.Load()
		if p < base.HeapInuse {
			p = base.HeapInuse
		}
		return p - base.HeapInuse, cw.n, took
	}
	start := time.Now()
	if _, err := f.s.Stats(ctx, f.editor, sv.ID, ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("stats over %d responses: %v", n, time.Since(start))
	start = time.Now()
	if _, _, err := f.s.Missing(ctx, f.editor, sv.ID, "2026-11-24", 0, 100); err != nil {
		t.Fatal(err)
	}
	t.Logf("missing list, first page of 100 of %d: %v", n, time.Since(start))
	for _, format := range []string{"csv", "xlsx"} {
		write := func(e *Export, w io.Writer) error { return e.WriteCSV(ctx, w) }
		if format == "xlsx" {
			write = func(e *Export, w io.Writer) error { return e.WriteXLSX(ctx, w) }
		}
		grow, size, took := measure(write)
		t.Logf("%s: %d responses, %d bytes, peak heap growth %.1f MiB, %v", format, n, size, float64(grow)/(1<<20), took)
		if grow > 64<<20 {
			t.Errorf("%s export grew the heap by %d MiB", format, grow>>20)
		}
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
