//go:build bench

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/requests"
)

// benchRequests measures a resident's 民意速办 submission with a 12-MP
// photo, as the mini program sends it: wx.uploadFile of the photo
// (POST /requests/photos, multipart) and then the request naming it
// (POST /requests), real HTTP on loopback, against the baseline of the
// work no service can skip: decoding the same photo and encoding the same
// two variants (the stored photo and its thumbnail) with media.Process,
// in the same process. Three rounds, alternating, medians compared; the
// ratio is the submission's time over the baseline's, so lower is better
// (target ≤ 1.3).
//
// It also uploads o.Concurrency photos at once and samples the heap
// meanwhile: photo_heap_peak_mib is the largest heap in use seen, over
// the heap before; per upload it must stay bounded (the limiter admits
// only what its budget holds).
//
// It seeds its own residents and category and removes them, their
// requests and their photos afterwards.
func benchRequests(ctx context.Context, cfg Config, log *slog.Logger, o benchOptions, out io.Writer) error {
	if o.Residents <= 0 {
		o.Residents = 12
	}
	if o.Concurrency <= 0 || o.Concurrency > 8 {
		o.Concurrency = 2
	}
	quiet := cfg
	quiet.LogLevel = slog.LevelWarn
	a, err := build(ctx, quiet, newLogger(quiet, io.Discard))
	if err != nil {
		return err
	}
	defer a.close()
	photo, err := benchPhoto(4000, 3000)
	if err != nil {
		return err
	}
	b := &requestBench{a: a, o: o, photo: photo}
	if err := b.seed(ctx); err != nil {
		return fmt.Errorf("bench requests: seed: %w", err)
	}
	defer func() {
		if err := b.cleanup(context.WithoutCancel(ctx)); err != nil {
			log.Error("bench requests: cleanup failed", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.api, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	b.base = "http://" + ln.Addr().String()
	b.client = &http.Client{Timeout: 2 * time.Minute}

	fmt.Fprintf(out, "# requests bench: db=%s photo=4000x3000 jpeg %d bytes, %d submissions per round, rounds=3\n",
		dbKind(cfg.DB), len(photo), o.Residents/3)
	limiter := media.NewDefaultLimiter()
	perRound := max(o.Residents/3, 1)
	var apiTimes, bareTimes []float64
	next := 0
	for range 3 {
		start := time.Now()
		for range perRound {
			if _, err := limiter.Process(ctx, bytes.NewReader(photo), int64(len(photo)),
				media.Variant{MaxSide: requests.StoredPhotoSide}, media.Variant{MaxSide: requests.ThumbSide, JPEG: true}); err != nil {
				return fmt.Errorf("bench requests: baseline: %w", err)
			}
		}
		bareTimes = append(bareTimes, time.Since(start).Seconds()/float64(perRound))
		start = time.Now()
		for range perRound {
			if err := b.submit(ctx, next); err != nil {
				return fmt.Errorf("bench requests: %w", err)
			}
			next++
		}
		apiTimes = append(apiTimes, time.Since(start).Seconds()/float64(perRound))
	}
	fmt.Fprintf(out, "# rounds: submission %s ms, baseline %s ms\n", millis(apiTimes), millis(bareTimes))
	fmt.Fprintf(out, "photo_submit_ms: %.0f\n", 1000*medianRate(apiTimes))
	fmt.Fprintf(out, "photo_baseline_ms: %.0f\n", 1000*medianRate(bareTimes))

	// Uploads at once, with the heap sampled.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			for p := peak.Load(); m.HeapInuse > p && !peak.CompareAndSwap(p, m.HeapInuse); p = peak.Load() {
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, o.Concurrency)
	for i := range o.Concurrency {
		wg.Go(func() {
			if _, err := b.upload(ctx, b.tokens[i%len(b.tokens)]); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("bench requests: concurrent uploads: %w", err)
	}
	grown := float64(0)
	if p := peak.Load(); p > before.HeapInuse {
		grown = float64(p-before.HeapInuse) / (1 << 20)
	}
	fmt.Fprintf(out, "photo_concurrent_uploads: %d\n", o.Concurrency)
	fmt.Fprintf(out, "photo_heap_peak_mib: %.0f\n", grown)
	fmt.Fprintf(out, "photo_heap_per_upload_mib: %.0f\n", grown/float64(o.Concurrency))
	fmt.Fprintf(out, "photo_submit_ratio: %.2f\n", medianRate(apiTimes)/medianRate(bareTimes))
	return nil
}

type requestBench struct {
	a        *instance
	o        benchOptions
	photo    []byte
	run      string
	category string
	ids      []int64
	tokens   []string
	base     string
	client   *http.Client
}

// benchPhoto makes a JPEG of w×h pixels with detail everywhere (a camera's
// photo compresses about as badly), so its decode costs what a real one
// does.
func benchPhoto(w, h int) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	var seed [8]byte
	rand.Read(seed[:])
	x0 := float64(seed[0])
	for y := range h {
		for x := range w {
			v := 128 + 60*math.Sin((float64(x)+x0)/37) + 40*math.Cos(float64(y)/23) + float64((x*7+y*13)%29)
			img.Y[y*img.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(100 + i%50)
		img.Cr[i] = uint8(140 - i%40)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (b *requestBench) seed(ctx context.Context) error {
	var r [4]byte
	rand.Read(r[:])
	b.run = hex.EncodeToString(r[:])
	b.category = "bench_" + b.run
	if _, _, err := b.a.Requests.SaveCategory(ctx, requests.Category{Code: b.category, Name: "基准测试", DeadlineDays: 5, Active: true}); err != nil {
		return err
	}
	now := time.Now().UTC()
	gdb := b.a.db.WithContext(ctx)
	for i := range b.o.Residents + b.o.Concurrency {
		if err := gdb.Exec("INSERT INTO residents (openid, nickname, street, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			fmt.Sprintf("%sreq_%s_%d", benchOpenIDPrefix, b.run, i), "bench", "华富街道", now, now).Error; err != nil {
			return err
		}
	}
	if err := gdb.Table("residents").Where("openid LIKE ?", benchOpenIDPrefix+"req_"+b.run+"_%").Order("id").Pluck("id", &b.ids).Error; err != nil {
		return err
	}
	for _, id := range b.ids {
		tok, _, err := b.a.Auth.Issue(ctx, auth.Resident, id)
		if err != nil {
			return err
		}
		b.tokens = append(b.tokens, tok)
	}
	return nil
}

// submit is one resident's submission: the photo, then the request.
func (b *requestBench) submit(ctx context.Context, i int) error {
	token := b.tokens[i%len(b.tokens)]
	photo, err := b.upload(ctx, token)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"client_key": "bench-" + strconv.Itoa(i), "category": b.category, "description": "基准测试：路灯不亮",
		"street": "华富街道", "address": "福田区华富街道某路 1 号", "photos": []string{photo},
	})
	return b.do(ctx, http.MethodPost, "/api/v1/requests", token, "application/json", bytes.NewReader(body), http.StatusCreated, nil)
}

// upload sends the photo as wx.uploadFile does and returns its token.
func (b *requestBench) upload(ctx context.Context, token string) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", "photo.jpg")
	if err != nil {
		return "", err
	}
	part.Write(b.photo)
	w.Close()
	var up struct {
		Token string `json:"token"`
	}
	if err := b.do(ctx, http.MethodPost, "/api/v1/requests/photos", token, w.FormDataContentType(), &body, http.StatusCreated, &up); err != nil {
		return "", err
	}
	return up.Token, nil
}

func (b *requestBench) do(ctx context.Context, method, path, token, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// cleanup erases the bench's residents as any resident is erased (their
// photos go), then removes their requests and its category.
func (b *requestBench) cleanup(ctx context.Context) error {
	for _, id := range b.ids {
		if err := b.a.Residents.Delete(ctx, id); err != nil {
			return fmt.Errorf("erase bench resident %d: %w", id, err)
		}
	}
	// The district keeps an erased resident's requests, anonymised: the
	// bench's own go with its category.
	gdb := b.a.db.WithContext(ctx)
	for _, stmt := range []string{
		"DELETE FROM request_events WHERE request_id IN (SELECT id FROM requests WHERE category = ?)",
		"DELETE FROM request_photos WHERE request_id IN (SELECT id FROM requests WHERE category = ?)",
		"DELETE FROM requests WHERE category = ?",
		"DELETE FROM request_categories WHERE code = ?",
	} {
		if err := gdb.Exec(stmt, b.category).Error; err != nil {
			return err
		}
	}
	return gdb.Exec("DELETE FROM residents WHERE id IN ?", b.ids).Error
}

func millis(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(1000*x, 'f', 0, 64)
	}
	return strings.Join(parts, ", ")
}
