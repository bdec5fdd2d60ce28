package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/color"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// withEXIF puts an Exif segment with a GPS position and a device name
// into a JPEG, as a phone camera writes it.
func withEXIF(jpg []byte) []byte {
	var t bytes.Buffer
	le := binary.LittleEndian
	t.WriteString("II")
	binary.Write(&t, le, uint16(42))
	binary.Write(&t, le, uint32(8))
	binary.Write(&t, le, uint16(2))
	for _, e := range [][4]uint32{{0x010F, 2, 8, 38}, {0x8825, 4, 1, 46}} { // Make, GPSInfo
		binary.Write(&t, le, uint16(e[0]))
		binary.Write(&t, le, uint16(e[1]))
		binary.Write(&t, le, e[2])
		binary.Write(&t, le, e[3])
	}
	binary.Write(&t, le, uint32(0))
	t.WriteString("PhoneX1\x00")
	binary.Write(&t, le, uint16(1)) // GPS IFD: GPSLatitudeRef "N"
	binary.Write(&t, le, uint16(1))
	binary.Write(&t, le, uint16(2))
	binary.Write(&t, le, uint32(2))
	binary.Write(&t, le, uint32('N'))
	binary.Write(&t, le, uint32(0))
	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append(append(append([]byte{}, jpg[:2]...), seg...), payload...)
	return append(out, jpg[2:]...)
}

// TestRequestsResident: a resident uploads a phone photo, submits (twice,
// with one client key), follows the request and reads the photo back
// without its EXIF; another resident reaches none of it.
func TestRequestsResident(t *testing.T) {
	e := newEnv(t)
	e.routeTo("repair", e.dept)
	tok, _ := e.resident("req-a")
	other, _ := e.resident("req-b")
	photo := withEXIF(solidJPEG(t, 64, 48, color.RGBA{90, 90, 90, 255}))
	if !bytes.Contains(photo, []byte("PhoneX1")) {
		t.Fatal("test photo without EXIF")
	}
	up := e.uploadToken(tok, photo)
	body := map[string]any{"client_key": "c-1", "category": "repair", "description": "路灯不亮", "street": "华富街道",
		"community": "", "address": "华富路 1 号", "latitude": 22.55, "longitude": 114.08, "contact": "13812345678", "photos": []string{up}}
	rec := e.do("POST", "/api/v1/requests", tok, body)
	wantStatus(t, rec, http.StatusCreated)
	var v requests.View
	decode(t, rec, &v)
	if v.Status != "submitted" || v.DepartmentID == nil || *v.DepartmentID != e.dept || len(v.Photos) != 1 || v.CategoryName != "设施报修" {
		t.Fatalf("submitted: %s", rec.Body.String())
	}
	// The retried submit answers the first request.
	rec = e.do("POST", "/api/v1/requests", tok, body)
	wantStatus(t, rec, http.StatusOK)
	var again requests.View
	decode(t, rec, &again)
	if again.ID != v.ID || e.count("requests") != 1 {
		t.Fatalf("retry made request %d (%d requests), want %d", again.ID, e.count("requests"), v.ID)
	}
	rec = e.do("GET", "/api/v1/requests", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+itoa(v.ID)+`"`) {
		t.Fatalf("my requests: %s", rec.Body.String())
	}
	wantStatus(t, e.do("GET", "/api/v1/requests/"+itoa(v.ID), tok, nil), http.StatusOK)
	rec = e.do("GET", "/api/v1/requests/"+itoa(v.ID)+"/photos/1", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "image/jpeg" || cc != "private, no-store" {
		t.Fatalf("photo headers: %q %q", ct, cc)
	}
	if b := rec.Body.Bytes(); bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("PhoneX1")) || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		t.Fatal("the photo served still carries its EXIF, or is no JPEG")
	}
	wantError(t, e.do("GET", "/api/v1/requests/"+itoa(v.ID)+"/photos/2", tok, nil), http.StatusNotFound, "not_found", "")
	// Another resident: not found, whatever the route.
	for _, path := range []string{"/api/v1/requests/" + itoa(v.ID), "/api/v1/requests/" + itoa(v.ID) + "/photos/1"} {
		wantError(t, e.do("GET", path, other, nil), http.StatusNotFound, "not_found", "")
	}
	wantError(t, e.do("POST", "/api/v1/requests/"+itoa(v.ID)+"/rating", other, map[string]any{"rating": 5}), http.StatusNotFound, "not_found", "")
	// Another resident cannot attach my upload.
	up2 := e.uploadToken(tok, solidJPEG(t, 8, 8, color.White))
	rec = e.do("POST", "/api/v1/requests", other, map[string]any{"client_key": "x", "category": "repair", "description": "x", "street": "华富街道", "photos": []string{up2}})
	wantError(t, rec, http.StatusBadRequest, "invalid_argument", "photos[0]")
	// Categories are public.
	rec = e.do("GET", "/api/v1/requests/categories", "", nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "噪音扰民") {
		t.Fatalf("categories: %s", rec.Body.String())
	}
}

// TestRequestsBadInput: each bad submit or upload is 400 naming its field,
// and nothing is stored: no request, no photo row, no file.
func TestRequestsBadInput(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.resident("req-bad")
	other, _ := e.resident("req-other")
	files := func() int {
		n := 0
		filepath.WalkDir(e.storeDir, func(_ string, d os.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	for name, tc := range map[string]struct {
		field string
		data  []byte
	}{
		"text":      {"file", []byte("这不是图片，只是一段文字，文件名却叫 photo.jpg")},
		"gif":       {"file", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")},
		"oversize":  {"file", append(solidJPEG(t, 8, 8, color.White), make([]byte, requests.MaxPhotoBytes)...)},
		"truncated": {"file", solidJPEG(t, 64, 64, color.White)[:200]},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.upload(tok, "file", tc.data), http.StatusBadRequest, "invalid_argument", tc.field)
			if n, f := e.count("request_photos"), files(); n != 0 || f != 0 {
				t.Fatalf("%d photo rows and %d files after a refused upload", n, f)
			}
		})
	}
	wantError(t, e.upload(tok, "image", solidJPEG(t, 8, 8, color.White)), http.StatusBadRequest, "invalid_argument", "file")
	wantError(t, e.do("POST", "/api/v1/requests/photos", tok, []byte("{}")), http.StatusBadRequest, "invalid_argument", "file")

	var tokens []string
	for range requests.MaxPhotos + 1 {
		tokens = append(tokens, e.uploadToken(tok, solidJPEG(t, 8, 8, color.White)))
	}
	othersUpload := e.uploadToken(other, solidJPEG(t, 8, 8, color.White))
	long := strings.Repeat("长", requests.MaxDescription+1)
	for field, extra := range map[string]map[string]any{
		"category":    {"category": "ufo"},
		"street":      {"street": "火星街道"},
		"community":   {"community": "上沙社区"}, // 沙头街道's
		"description": {"description": long},
		"address":     {"address": strings.Repeat("址", 201)},
		"latitude":    {"latitude": 91.0, "longitude": 114.0},
		"photos":      {"photos": tokens},
		"photos[0]":   {"photos": []string{othersUpload}},
		"contact":     {"contact": "call me maybe"},
		"client_key":  {"client_key": strings.Repeat("k", 65)},
	} {
		t.Run(field, func(t *testing.T) {
			body := map[string]any{"client_key": "bad-" + strings.Trim(field, "[0]"), "category": "noise", "description": "楼上噪音", "street": "华富街道"}
			for k, v := range extra {
				body[k] = v
			}
			wantError(t, e.do("POST", "/api/v1/requests", tok, body), http.StatusBadRequest, "invalid_argument", field)
			if n := e.count("requests"); n != 0 {
				t.Fatalf("%d requests after a refused submit", n)
			}
			var attached int64
			e.db.Table("request_photos").Where("request_id IS NOT NULL").Count(&attached)
			if attached != 0 {
				t.Fatalf("%d photos attached by a refused submit", attached)
			}
		})
	}
}

// TestRequestsDesk: accept, transfer, accept, answer through the API, with
// the version guard, the notices, bad input naming its field, the wrong
// role (403) and callers out of scope (404).
func TestRequestsDesk(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	e.routeTo("noise", x)
	res, _ := e.resident("req-desk")
	v := e.submitRequest(res, "noise", "华富街道", map[string]any{"contact": "0755-12345678"})
	ox, _ := e.requestOfficer(x)
	oy, _ := e.requestOfficer(y)
	oxOtherStreet, _ := e.requestOfficer(x, "莲花街道")
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	id := v.ID
	path := "/api/v1/admin/requests/" + itoa(id)

	// Out of scope: another department, another street. Wrong role: 403.
	for _, tok := range []string{oy, oxOtherStreet} {
		wantError(t, e.do("GET", path, tok, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", path+"/accept", tok, map[string]any{"version": v.Version}), http.StatusNotFound, "not_found", "")
	}
	wantError(t, e.do("POST", path+"/accept", editor, map[string]any{"version": v.Version}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("POST", path+"/accept", res, map[string]any{"version": v.Version}), http.StatusForbidden, "permission_denied", "")
	// Bad input: no version.
	wantError(t, e.do("POST", path+"/accept", ox, map[string]any{}), http.StatusBadRequest, "invalid_argument", "version")

	a := e.act(ox, id, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	if a.Status != "accepted" || a.AcceptedAt == nil {
		t.Fatalf("accepted: %+v", a)
	}
	wantError(t, e.do("POST", path+"/accept", ox, map[string]any{"version": v.Version}), http.StatusConflict, "conflict", "")
	rec := e.do("GET", "/api/v1/notices", res, nil)
	if !strings.Contains(rec.Body.String(), "您的诉求已受理") {
		t.Fatalf("acceptance notice missing: %s", rec.Body.String())
	}

	// The detail shows the contact and is audited.
	before := e.count("audit_log")
	rec = e.do("GET", path, ox, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"contact":"0755-12345678"`) || e.count("audit_log") != before+1 {
		t.Fatalf("detail: %s (audit %d → %d)", rec.Body.String(), before, e.count("audit_log"))
	}
	rec = e.do("GET", "/api/v1/admin/requests?queue=open", ox, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+itoa(id)+`"`) || strings.Contains(rec.Body.String(), "0755-12345678") {
		t.Fatalf("queue: %s", rec.Body.String())
	}
	wantError(t, e.do("GET", "/api/v1/admin/requests?queue=nope", ox, nil), http.StatusBadRequest, "invalid_argument", "queue")
	wantError(t, e.do("GET", "/api/v1/admin/requests?status=nope", ox, nil), http.StatusBadRequest, "invalid_argument", "status")

	// Transfer: bad input names the field and changes nothing.
	for field, body := range map[string]map[string]any{
		"reason":        {"version": a.Version, "department_id": itoa(y), "reason": ""},
		"department_id": {"version": a.Version, "department_id": "999999", "reason": "转办"},
	} {
		wantError(t, e.do("POST", path+"/transfer", ox, body), http.StatusBadRequest, "invalid_argument", field)
	}
	tr := e.act(ox, id, "transfer", map[string]any{"version": a.Version, "department_id": itoa(y), "reason": "属另一部门职责"}, http.StatusOK)
	if tr.Status != "transferred" || !tr.DeadlineAt.Equal(v.DeadlineAt) {
		t.Fatalf("transferred: %+v", tr)
	}
	wantError(t, e.do("GET", path, ox, nil), http.StatusNotFound, "not_found", "")
	a = e.act(oy, id, "accept", map[string]any{"version": tr.Version}, http.StatusOK)
	a = e.act(oy, id, "start", map[string]any{"version": a.Version}, http.StatusOK)
	wantError(t, e.do("POST", path+"/answer", oy, map[string]any{"version": a.Version, "answer": ""}), http.StatusBadRequest, "invalid_argument", "answer")
	wantError(t, e.do("POST", path+"/answer", oy, map[string]any{"version": a.Version, "answer": "x", "points_rule": "any"}), http.StatusBadRequest, "invalid_argument", "points_rule")
	ans := e.act(oy, id, "answer", map[string]any{"version": a.Version, "answer": "已联系物业处理"}, http.StatusOK)
	if ans.Status != "answered" || ans.Answer != "已联系物业处理" {
		t.Fatalf("answered: %+v", ans)
	}
	var mine requests.View
	decode(t, e.do("GET", "/api/v1/requests/"+itoa(id), res, nil), &mine)
	actions := []string{}
	for _, h := range mine.History {
		actions = append(actions, string(h.Action))
	}
	if got := strings.Join(actions, ","); got != "submitted,accepted,transferred,accepted,started,answered" || !mine.CanRate {
		t.Fatalf("history %s, can_rate %v", got, mine.CanRate)
	}
	if rec := e.do("GET", "/api/v1/notices", res, nil); !strings.Contains(rec.Body.String(), "您的诉求已答复") || strings.Contains(rec.Body.String(), "已联系物业处理") {
		t.Fatalf("answer notice: %s", rec.Body.String())
	}

	// Rating: once; out of range is 400.
	wantError(t, e.do("POST", "/api/v1/requests/"+itoa(id)+"/rating", res, map[string]any{"rating": 6}), http.StatusBadRequest, "invalid_argument", "rating")
	wantError(t, e.do("POST", "/api/v1/requests/"+itoa(id)+"/rating", res, map[string]any{"rating": 4, "reopen": true}), http.StatusBadRequest, "invalid_argument", "reopen")
	rec = e.do("POST", "/api/v1/requests/"+itoa(id)+"/rating", res, map[string]any{"rating": 5, "comment": "很快"})
	wantStatus(t, rec, http.StatusOK)
	wantError(t, e.do("POST", "/api/v1/requests/"+itoa(id)+"/rating", res, map[string]any{"rating": 5}), http.StatusConflict, "conflict", "")
}

// TestRequestsConcurrentAnswers: officers answering one request at once
// through the API: one 200, every other 409, one answer in the history.
func TestRequestsConcurrentAnswers(t *testing.T) {
	e := newEnv(t)
	e.routeTo("noise", e.dept)
	res, _ := e.resident("req-race")
	v := e.submitRequest(res, "noise", "华富街道", nil)
	var toks []string
	for range 8 {
		tok, _ := e.requestOfficer(e.dept)
		toks = append(toks, tok)
	}
	a := e.act(toks[0], v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	codes := make([]int, len(toks))
	var wg sync.WaitGroup
	for i, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", "/api/v1/admin/requests/"+itoa(v.ID)+"/answer", tok, map[string]any{"version": a.Version, "answer": "答复" + itoa(int64(i))}).Code
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Fatalf("codes %v", codes)
		}
	}
	var answers int64
	e.db.Table("request_events").Where("request_id = ? AND action = ?", v.ID, "answered").Count(&answers)
	if ok != 1 || answers != 1 {
		t.Fatalf("%d answers won (%v), %d recorded; want 1", ok, codes, answers)
	}
}

// TestRequestsVerified: a verified answer grants the resident points under
// the department's rule once, and records a complaint against the
// enterprise the request is about; another department's rule is 403
// naming points_rule, a complaint without credit.write 403 naming
// complaint_uscc, unknown ones 400.
func TestRequestsVerified(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	e.routeTo("street_vending", x)
	e.rule("verified_report", &x, 20)
	e.rule("other_dept_rule", &y, 20)
	res, resID := e.resident("req-verified")
	both, _ := e.stafferIn(&x, []staff.Role{staff.RequestOfficer, staff.CreditOfficer})
	plain, _ := e.requestOfficer(x)
	uscc := e.registerEnterprise(e.officer(), 701, "餐饮")

	v := e.submitRequest(res, "street_vending", "华富街道", nil)
	a := e.act(plain, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	path := "/api/v1/admin/requests/" + itoa(v.ID) + "/answer"
	for _, tc := range []struct {
		tok    string
		body   map[string]any
		status int
		field  string
	}{
		{plain, map[string]any{"points_rule": "other_dept_rule"}, http.StatusForbidden, "points_rule"},
		{plain, map[string]any{"points_rule": "no_such_rule"}, http.StatusBadRequest, "points_rule"},
		{plain, map[string]any{"complaint_uscc": uscc}, http.StatusForbidden, "complaint_uscc"},
		{both, map[string]any{"complaint_uscc": code(999)}, http.StatusBadRequest, "complaint_uscc"},
		{both, map[string]any{"complaint_uscc": "not-a-code"}, http.StatusBadRequest, "complaint_uscc"},
	} {
		body := map[string]any{"version": a.Version, "answer": "核实属实", "verified": true}
		for k, val := range tc.body {
			body[k] = val
		}
		code := "permission_denied"
		if tc.status == http.StatusBadRequest {
			code = "invalid_argument"
		}
		wantError(t, e.do("POST", path, tc.tok, body), tc.status, code, tc.field)
	}
	if n := e.count("point_transactions"); n != 0 {
		t.Fatalf("%d point transactions after refused answers", n)
	}
	ans := e.act(both, v.ID, "answer", map[string]any{"version": a.Version, "answer": "核实属实，已处罚", "verified": true,
		"points_rule": "verified_report", "complaint_uscc": uscc}, http.StatusOK)
	if ans.PointsOutcome != "granted" || ans.CreditRecordID == nil || !ans.Verified {
		t.Fatalf("verified answer: %+v", ans)
	}
	var granted int64
	e.db.Table("point_transactions").Where("resident_id = ? AND rule_code = ? AND delta = 20", resID, "verified_report").Count(&granted)
	var records int64
	e.db.Table("credit_records").Where("kind = 'complaint' AND case_ref = ?", "request:"+itoa(v.ID)).Count(&records)
	if granted != 1 || records != 1 {
		t.Fatalf("%d grants, %d complaint records; want 1 and 1", granted, records)
	}
	// The background work, run again, grants and records nothing more.
	if err := e.requests.Work(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.db.Table("point_transactions").Where("resident_id = ?", resID).Count(&granted)
	e.db.Table("credit_records").Where("kind = 'complaint'").Count(&records)
	if granted != 1 || records != 1 {
		t.Fatalf("after the worker: %d grants, %d records", granted, records)
	}
}
