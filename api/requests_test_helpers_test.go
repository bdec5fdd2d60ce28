package api

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

const testPushToken = "test-push-token"

// solidJPEG is a w×h JPEG of one colour.
func solidJPEG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a photo as wx.uploadFile does (multipart, field "file").
func (e *env) upload(token, field string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, "photo.jpg")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return e.do("POST", "/api/v1/requests/photos", token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// uploadToken uploads a photo and returns its token.
func (e *env) uploadToken(token string, data []byte) string {
	e.t.Helper()
	rec := e.upload(token, "file", data)
	wantStatus(e.t, rec, http.StatusCreated)
	var up requests.Upload
	decode(e.t, rec, &up)
	return up.Token
}

var requestKeys = 0

// submitRequest submits a request through the API; extra fields override.
func (e *env) submitRequest(token, category, street string, extra map[string]any) requests.View {
	e.t.Helper()
	requestKeys++
	body := map[string]any{"client_key": "key-" + strconv.Itoa(requestKeys), "category": category, "description": "小区门口路灯不亮", "street": street}
	for k, v := range extra {
		body[k] = v
	}
	rec := e.do("POST", "/api/v1/requests", token, body)
	wantStatus(e.t, rec, http.StatusCreated)
	var v requests.View
	decode(e.t, rec, &v)
	return v
}

// route maps a category (in every street) to a department.
func (e *env) routeTo(category string, dept int64) {
	e.t.Helper()
	if _, err := e.requests.SaveRoute(context.Background(), requests.Route{Category: category, DepartmentID: dept}); err != nil {
		e.t.Fatal(err)
	}
}

// requestOfficer is a request_officer of dept (optionally street-scoped).
func (e *env) requestOfficer(dept int64, streets ...string) (string, *staff.Member) {
	return e.stafferIn(&dept, []staff.Role{staff.RequestOfficer}, streets...)
}

// act posts a transition and decodes the staff view.
func (e *env) act(token string, id int64, action string, body map[string]any, status int) requests.StaffView {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/requests/"+itoa(id)+"/"+action, token, body)
	wantStatus(e.t, rec, status)
	var v requests.StaffView
	if status < 300 {
		decode(e.t, rec, &v)
	}
	return v
}

func jsonOf(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signature signs a WeChat message push as WeChat does.
func signature(token, timestamp, nonce string) string {
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}
