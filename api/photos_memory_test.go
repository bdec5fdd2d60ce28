package api

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/futian/ifutian/media"
)

// pngOfZeros is a w×h PNG of the given bit depth and colour type whose
// pixels are all zero: a few hundred KB on the wire however large it
// decodes, as an attacker sends it. It is written row by row, so making it
// costs no more memory than one row.
func pngOfZeros(t testing.TB, w, h int, depth, colorType byte) []byte {
	t.Helper()
	channels := map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colorType]
	rowBytes := (w*channels*int(depth) + 7) / 8
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(kind))
		crc.Write(data)
		out.WriteString(kind)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	if colorType == 3 {
		chunk("PLTE", []byte{0, 0, 0})
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+rowBytes) // filter byte 0, then zeros
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// uploadBody is a multipart body as wx.uploadFile sends it.
func uploadBody(t testing.TB, data []byte) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "tmp_photo.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// uploadCeiling is the most heap the test lets 20 worst-case uploads at
// once add: twice the decode budget (media.DefaultBudget), as Go's
// collector lets the heap grow to about twice what is live.
const uploadCeiling = 2 * media.DefaultBudget

// TestUploadMemoryCeiling sends 20 worst-case photo uploads at once, as
// wx.uploadFile sends them, and samples the heap while they run: a 16-bit
// PNG of 6000×6666 pixels (323 KB on the wire, 320 MB decoded), and the
// largest images the bounds admit. The heap in use must stay under
// uploadCeiling; every answer is a success, a 400 naming file or a 429 with
// Retry-After, never a 5xx.
func TestUploadMemoryCeiling(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes large images")
	}
	e := newEnv(t)
	bomb := pngOfZeros(t, 6000, 6666, 16, 6)
	if len(bomb) > 400<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	// The largest 8-bit RGBA PNG the decoded-bytes bound admits.
	big := pngOfZeros(t, 5500, 5500, 8, 6)
	type upload struct {
		token, ct string
		body      []byte
	}
	var ups []upload
	for i := range 20 {
		tok, _ := e.resident(fmt.Sprintf("mem-%d", i))
		data := bomb
		if i%2 == 1 {
			data = big
		}
		body, ct := uploadBody(t, data)
		ups = append(ups, upload{tok, ct, body})
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	codes := make([]int, len(ups))
	var wg sync.WaitGroup
	for i, u := range ups {
		wg.Go(func() {
			req := httptest.NewRequest("POST", "/api/v1/requests/photos", bytes.NewReader(u.body))
			req.Header.Set("Content-Type", u.ct)
			req.Header.Set("Authorization", "Bearer "+u.token)
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			codes[i] = rec.Code
			if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			if rec.Code >= 500 {
				t.Errorf("upload %d: %d %s", i, rec.Code, rec.Body.String())
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base)
	t.Logf("answers %v; heap in use grew by %d MiB at most", codes, grew>>20)
	if grew > uploadCeiling {
		t.Fatalf("20 uploads at once took %d MiB of heap, want at most %d MiB", grew>>20, uploadCeiling>>20)
	}
	for i, c := range codes {
		if i%2 == 0 && c != http.StatusBadRequest {
			t.Errorf("16-bit 6000×6666 PNG: %d, want 400 naming file", c)
		}
	}
}
