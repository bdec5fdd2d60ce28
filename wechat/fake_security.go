package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // media the fake checks
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// Content markers the fake's content security decides by. Text: "#risky"
// or "违禁" is risky, "#review" is review, "#unseen" answers 61010 (user not
// seen in two hours); anything else passes. Images: a picture whose centre
// is red (R > 180, G and B < 80) is risky, yellow (R and G > 180, B < 80)
// is review, anything else passes.
const (
	FakeRiskyMarker  = "#risky"
	FakeReviewMarker = "#review"
	FakeUnseenMarker = "#unseen"
)

// fakeSecurity is the fake's content-security state: where verdicts of
// mediaCheckAsync are pushed, signed with the token as WeChat signs
// message pushes.
type fakeSecurity struct {
	mu      sync.Mutex
	pushURL string
	token   string
	traces  int
	pending sync.WaitGroup
}

// SetPush makes the fake push mediaCheckAsync verdicts to url, signed
// with token ("" stops pushing).
func (f *Fake) SetPush(url, token string) {
	f.sec.mu.Lock()
	defer f.sec.mu.Unlock()
	f.sec.pushURL, f.sec.token = url, token
}

// WaitPushes waits until every verdict the fake has to push has been
// pushed (or given up on).
func (f *Fake) WaitPushes() { f.sec.pending.Wait() }

func (f *Fake) registerSecurity() {
	f.mux.HandleFunc("POST /wxa/msg_sec_check", f.api(true, f.msgSecCheck))
	f.mux.HandleFunc("POST /wxa/media_check_async", f.api(true, f.mediaCheckAsync))
	f.mux.HandleFunc("POST /fake/push", f.postPush)
}

// msgSecCheck answers POST /wxa/msg_sec_check (v2).
func (f *Fake) msgSecCheck(w http.ResponseWriter, r *http.Request, _ string) {
	var req struct {
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Version int    `json:"version"`
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	switch {
	case req.Version != 2 || req.Scene < 1 || req.Scene > 4:
		writeJSON(w, map[string]any{"errcode": 40097, "errmsg": "invalid args"})
		return
	case req.OpenID == "":
		writeErr(w, codeInvalidOpenID)
		return
	case strings.Contains(req.Content, FakeUnseenMarker):
		writeJSON(w, map[string]any{"errcode": codeUserUnseen, "errmsg": "user not visit in 2 hours"})
		return
	}
	suggest, label := "pass", 100
	switch {
	case strings.Contains(req.Content, FakeRiskyMarker) || strings.Contains(req.Content, "违禁"):
		suggest, label = "risky", 20006
	case strings.Contains(req.Content, FakeReviewMarker):
		suggest, label = "review", 21000
	}
	writeJSON(w, map[string]any{
		"errcode": 0, "errmsg": "ok", "trace_id": f.traceID(),
		"result": map[string]any{"suggest": suggest, "label": label},
		"detail": []map[string]any{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}},
	})
}

// mediaCheckAsync answers POST /wxa/media_check_async (v2) with a trace ID,
// then fetches the media and pushes the verdict, as WeChat does.
func (f *Fake) mediaCheckAsync(w http.ResponseWriter, r *http.Request, appID string) {
	var req struct {
		MediaURL  string `json:"media_url"`
		MediaType int    `json:"media_type"`
		OpenID    string `json:"openid"`
		Scene     int    `json:"scene"`
		Version   int    `json:"version"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	u, err := url.Parse(req.MediaURL)
	switch {
	case req.Version != 2 || (req.MediaType != 1 && req.MediaType != 2) || req.Scene < 1 || req.Scene > 4 || err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		writeJSON(w, map[string]any{"errcode": 40097, "errmsg": "invalid args"})
		return
	case req.OpenID == "":
		writeErr(w, codeInvalidOpenID)
		return
	}
	trace := f.traceID()
	f.sec.pending.Add(1)
	go func() {
		defer f.sec.pending.Done()
		f.pushVerdict(appID, req.OpenID, trace, imageVerdict(req.MediaURL))
	}()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "trace_id": trace})
}

func (f *Fake) traceID() string {
	f.sec.mu.Lock()
	defer f.sec.mu.Unlock()
	f.sec.traces++
	return fmt.Sprintf("fake-trace-%d-%x", f.sec.traces, randomBytes(6))
}

// imageVerdict fetches the image and decides by its centre's colour.
func imageVerdict(mediaURL string) string {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(mediaURL)
	if err != nil {
		return "review"
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "review"
	}
	img, _, err := image.Decode(io.LimitReader(resp.Body, 20<<20))
	if err != nil {
		return "review"
	}
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2).RGBA()
	r, g, bl = r>>8, g>>8, bl>>8
	switch {
	case r > 180 && g > 180 && bl < 80:
		return "review"
	case r > 180 && g < 80 && bl < 80:
		return "risky"
	}
	return "pass"
}

// pushVerdict posts the wxa_media_check event to the push URL, signed like
// every WeChat message push, retrying a few times while the receiver does
// not answer "success".
func (f *Fake) pushVerdict(appID, openID, trace, suggest string) {
	f.sec.mu.Lock()
	target, token := f.sec.pushURL, f.sec.token
	f.sec.mu.Unlock()
	if target == "" {
		return
	}
	label := 100
	if suggest != "pass" {
		label = 20002
	}
	body, _ := json.Marshal(map[string]any{
		"ToUserName": "gh_fake", "FromUserName": openID, "CreateTime": time.Now().Unix(),
		"MsgType": "event", "Event": "wxa_media_check", "appid": appID, "trace_id": trace, "version": 2,
		"detail":  []map[string]any{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}},
		"errcode": 0, "errmsg": "ok", "result": map[string]any{"suggest": suggest, "label": label},
	})
	client := &http.Client{Timeout: 5 * time.Second}
	for attempt := range 6 {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		nonce := strconv.FormatInt(int64(attempt)+time.Now().UnixNano()%1_000_000, 10)
		q := url.Values{"signature": {util.Signature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target+"?"+q.Encode(), bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(reply)) == "success" {
				return
			}
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
}

// postPush answers POST /fake/push {"url","token"}: where verdicts go.
func (f *Fake) postPush(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		http.Error(w, "push: "+err.Error(), http.StatusBadRequest)
		return
	}
	f.SetPush(req.URL, req.Token)
	writeJSON(w, map[string]any{"ok": true})
}
