package wechat

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestCheckText(t *testing.T) {
	c, _ := newTestClient(t)
	ctx := context.Background()
	for content, want := range map[string]string{
		"路灯坏了":                    "pass",
		"请核实 " + FakeReviewMarker: "review",
		"违禁内容":                    "risky",
	} {
		got, err := c.CheckText(ctx, "mock_alice", "设施报修", content)
		if err != nil || got != want {
			t.Errorf("CheckText(%q) = %q, %v; want %q", content, got, err, want)
		}
	}
	_, err := c.CheckText(ctx, "mock_alice", "", "x "+FakeUnseenMarker)
	if !IsUserUnseen(err) || IsTransient(err) {
		t.Fatalf("unseen user: %v, want 61010, not transient", err)
	}
	testFake.SetFaults(Faults{FailEvery: 1, ErrCode: 503})
	if _, err := c.CheckText(ctx, "mock_alice", "", "x"); !c.Transient(err) {
		t.Fatalf("outage: %v, want transient", err)
	}
}

func pngOf(c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// TestMediaCheckAsync: the fake fetches the media, decides by colour and
// pushes a signed wxa_media_check event, which ReadMediaVerdict verifies
// and reads; a push signed with another token is refused.
func TestMediaCheckAsync(t *testing.T) {
	c, _ := newTestClient(t)
	media := map[string][]byte{
		"/red": pngOf(color.RGBA{220, 10, 10, 255}), "/yellow": pngOf(color.RGBA{230, 220, 10, 255}),
		"/grey": pngOf(color.RGBA{120, 120, 120, 255}),
	}
	var mu sync.Mutex
	got := map[string]string{}
	var refused int
	const token = "push-token-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/push" {
			v, err := ReadMediaVerdict(token, r)
			if errors.Is(err, ErrBadSignature) {
				mu.Lock()
				refused++
				mu.Unlock()
				http.Error(w, "bad signature", http.StatusForbidden)
				return
			}
			if err != nil || v == nil {
				t.Errorf("push: %v %v", v, err)
				return
			}
			mu.Lock()
			got[v.TraceID] = v.Suggest
			mu.Unlock()
			w.Write([]byte("success"))
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(media[r.URL.Path])
	}))
	defer srv.Close()
	testFake.SetPush(srv.URL+"/push", token)
	defer testFake.SetPush("", "")

	want := map[string]string{}
	for path, verdict := range map[string]string{"/red": "risky", "/yellow": "review", "/grey": "pass"} {
		trace, err := c.CheckImageAsync(context.Background(), "mock_alice", srv.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		want[trace] = verdict
	}
	testFake.WaitPushes()
	mu.Lock()
	for trace, v := range want {
		if got[trace] != v {
			t.Errorf("trace %s: %q, want %q", trace, got[trace], v)
		}
	}
	mu.Unlock()

	testFake.SetPush(srv.URL+"/push", "another-token")
	if _, err := c.CheckImageAsync(context.Background(), "mock_alice", srv.URL+"/grey"); err != nil {
		t.Fatal(err)
	}
	testFake.WaitPushes()
	if refused == 0 {
		t.Fatal("a push signed with another token was accepted")
	}
	r := httptest.NewRequest("POST", "/push?signature=x&timestamp=1&nonce=2", strings.NewReader("{}"))
	if PushSigned(token, r) || PushSigned("", r) {
		t.Fatal("a forged signature passed")
	}
}
