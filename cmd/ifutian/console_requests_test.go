package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleAnswerRequest: a resident submits a request with a photo
// through the API; a request officer finds it in the console's queue, sees
// its photo, accepts and answers it; the resident then reads the answer.
func TestConsoleAnswerRequest(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	s.call("PUT", "/api/v1/admin/request-routes", s.admin, map[string]any{"category": "noise", "department_id": dept}, http.StatusOK)
	s.staff("desk.zhao", dept, "request_officer")
	resident, _ := s.resident("carol")
	photo := s.uploadPhoto(resident)
	const text = "晚上十一点后广场舞音响太响 E2E"
	req := s.call("POST", "/api/v1/requests", resident, map[string]any{
		"client_key": "e2e-1", "category": "noise", "description": text, "street": "园岭街道", "photos": []string{photo},
	}, http.StatusCreated)
	id := req["id"].(string)

	tb.signIn(s.base, "desk.zhao", staffPassword, "/requests")
	tb.run("find it in the queue",
		waitText(`.el-table__body`, text),
		waitJS(`!document.querySelector('.el-loading-mask')`), // a click would land on the fading mask
	)
	tb.run("open it",
		chromedp.Click(css(`[data-test=open-`+id+`]`)),
		waitText(`[data-test=request-description]`, text),
	)
	tb.run("see its photo",
		waitJS(`[...document.querySelectorAll('.photo img')].some(i => i.src.startsWith('data:image/jpeg') && i.naturalWidth > 0)`),
	)
	tb.run("accept",
		chromedp.Click(css(`[data-test=accept]`)),
		waitText(`[data-test=request-status]`, "已受理"),
	)
	tb.run("an empty answer names its field",
		chromedp.Click(css(`[data-test=answer-submit]`)),
		waitJS(`!!document.querySelector('[data-test=answer-text]')?.closest('.el-form-item')?.querySelector('.el-form-item__error')`),
	)
	const answer = "已联系广场管理方，22 点后停止使用音响"
	tb.run("answer",
		chromedp.SendKeys(css(`[data-test=answer-text]`), answer),
		chromedp.Click(css(`[data-test=answer-submit]`)),
		waitText(`[data-test=request-status]`, "已答复"),
		waitText(`[data-test=request-history]`, "答复"),
	)
	mine := s.call("GET", "/api/v1/requests/"+id, resident, nil, http.StatusOK)
	if mine["answer"] != answer || mine["status"] != "answered" || mine["can_rate"] != true {
		t.Fatalf("the resident sees %v", mine)
	}
}

// uploadPhoto uploads a small JPEG as the resident and returns its token.
func (s *consoleServer) uploadPhoto(token string) string {
	s.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := range 32 {
		for x := range 48 {
			img.Set(x, y, color.RGBA{40, 120, 200, 255})
		}
	}
	var pic, body bytes.Buffer
	jpeg.Encode(&pic, img, nil)
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(pic.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/requests/photos", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil {
		s.t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
	return out.Token
}
