package api

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
)

// imageFiles lists the stored public pictures (pictures and thumbnails).
func (e *env) imageFiles() []string {
	e.t.Helper()
	all, err := filepath.Glob(filepath.Join(e.storeDir, media.PublicPrefix, "*"))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".type") {
			out = append(out, f)
		}
	}
	return out
}

type imageLinks struct {
	ImageURL string `json:"image_url"`
	ThumbURL string `json:"thumb_url"`
}

// wantPublicImage fetches a public picture's link as an <image> does (no
// header at all) and checks it: a JPEG of at most side pixels a side,
// without metadata, cacheable by anyone for good.
func wantPublicImage(t *testing.T, e *env, link string, side int) {
	t.Helper()
	if !strings.HasPrefix(link, media.LinkPath+media.KindImage+"/") || strings.Contains(link, "?") {
		t.Fatalf("link %q is not a public picture's", link)
	}
	rec := e.do("GET", link, "", nil)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control %q", cc)
	}
	for _, leak := range []string{"Exif", "PhoneX1"} {
		if bytes.Contains(rec.Body.Bytes(), []byte(leak)) {
			t.Fatalf("served picture holds %q", leak)
		}
	}
	img, _, err := image.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); max(b.Dx(), b.Dy()) != side {
		t.Fatalf("picture %v, want %d px on the longer side", b, side)
	}
	// The ETag answers a revalidation without the body.
	rec = e.do("GET", link, "", nil, "If-None-Match", rec.Header().Get("ETag"))
	wantStatus(t, rec, http.StatusNotModified)
}

// badPictures are uploads refused with 400 naming file.
func badPictures(t *testing.T, e *env, path, tok string) map[string]func() *httptest.ResponseRecorder {
	return map[string]func() *httptest.ResponseRecorder{
		"text named .jpg": func() *httptest.ResponseRecorder {
			return e.uploadTo(path, tok, "file", []byte("this is no picture, only some text"))
		},
		"16-bit 6000×6666 png": func() *httptest.ResponseRecorder {
			return e.uploadTo(path, tok, "file", pngOfZeros(t, 6000, 6666, 16, 6))
		},
		"over 10 MiB": func() *httptest.ResponseRecorder {
			return e.uploadTo(path, tok, "file", make([]byte, media.MaxPublicBytes+1))
		},
		"another field": func() *httptest.ResponseRecorder {
			return e.uploadTo(path, tok, "image", solidJPEG(t, 32, 32, color.White))
		},
		"json": func() *httptest.ResponseRecorder {
			return e.do("POST", path, tok, map[string]string{"file": "x"})
		},
	}
}

// TestRewardImage: a points officer uploads a reward's picture as
// wx.uploadFile sends it; it is kept scaled, with a thumbnail, without
// EXIF, audited; the catalogue carries public links an <image> loads
// without a header. A bad file, another role and another department's
// officer change nothing; a new picture replaces the old, whose files are
// deleted.
func TestRewardImage(t *testing.T) {
	e := newPointsEnv(t)
	id := e.createReward(e.officer)
	path := "/api/v1/admin/rewards/" + id + "/image"
	catalogue := func() imageLinks {
		t.Helper()
		rec := e.do("GET", "/api/v1/rewards", e.resident, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []imageLinks }
		decode(t, rec, &p)
		if len(p.Items) != 1 {
			t.Fatalf("catalogue %s", rec.Body.String())
		}
		return p.Items[0]
	}
	if l := catalogue(); l.ImageURL != "" || l.ThumbURL != "" {
		t.Fatalf("a reward without a picture has links %+v", l)
	}

	rec := e.uploadTo(path, e.officer, "file", withEXIF(solidJPEG(t, 2000, 1500, color.RGBA{200, 40, 40, 255})))
	wantStatus(t, rec, http.StatusOK)
	var got imageLinks
	decode(t, rec, &got)
	if l := catalogue(); l != got {
		t.Fatalf("catalogue %+v, upload answered %+v", l, got)
	}
	wantPublicImage(t, e.env, got.ImageURL, media.PublicSide)
	wantPublicImage(t, e.env, got.ThumbURL, media.PublicThumbSide)
	if n := len(e.imageFiles()); n != 2 {
		t.Fatalf("%d files, want the picture and its thumbnail", n)
	}
	if es := e.auditEntries("POST /api/v1/admin/rewards/:id/image"); len(es) != 1 || es[0].TargetKind != "rewards" || es[0].TargetID != id || !strings.HasPrefix(es[0].Detail, "image image/") {
		t.Fatalf("audit %+v", es)
	}
	// The managers' list shows it too.
	if rec := e.do("GET", "/api/v1/admin/rewards", e.officer, nil); !strings.Contains(rec.Body.String(), `"image_url":"`+got.ImageURL+`"`) {
		t.Fatalf("managed list %s", rec.Body.String())
	}

	unchanged := func(t *testing.T, what string) {
		t.Helper()
		if l := catalogue(); l != got || len(e.imageFiles()) != 2 || len(e.auditEntries("POST /api/v1/admin/rewards/:id/image")) != 1 {
			t.Fatalf("%s changed the picture: %+v, %d files", what, l, len(e.imageFiles()))
		}
	}
	t.Run("ErrBadFile", func(t *testing.T) {
		for name, send := range badPictures(t, e.env, path, e.officer) {
			wantError(t, send(), http.StatusBadRequest, "invalid_argument", "file")
			unchanged(t, name)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.uploadTo(path, editor, "file", solidJPEG(t, 32, 32, color.White)), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.uploadTo(path, e.resident, "file", solidJPEG(t, 32, 32, color.White)), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.uploadTo(path, "", "file", solidJPEG(t, 32, 32, color.White)), http.StatusUnauthorized, "unauthenticated", "")
		unchanged(t, "another role")
	})
	t.Run("ErrOutOfScope", func(t *testing.T) {
		officerY := e.idorStaffer(e.otherDepartment(), []staff.Role{staff.PointsOfficer})
		wantError(t, e.uploadTo(path, officerY, "file", solidJPEG(t, 32, 32, color.White)), http.StatusNotFound, "not_found", "")
		wantError(t, e.uploadTo("/api/v1/admin/rewards/999999/image", e.officer, "file", solidJPEG(t, 32, 32, color.White)), http.StatusNotFound, "not_found", "")
		unchanged(t, "another department's officer")
	})

	// A new picture replaces the old: new links, and the old files'
	// deletion is queued with the change (requests.delete_object).
	rec = e.uploadTo(path, e.officer, "file", solidJPEG(t, 300, 600, color.White))
	wantStatus(t, rec, http.StatusOK)
	var next imageLinks
	decode(t, rec, &next)
	if next.ImageURL == got.ImageURL || next.ThumbURL == got.ThumbURL {
		t.Fatalf("a new picture kept its links: %+v", next)
	}
	if n := e.queued("requests.delete_object"); n != 2 {
		t.Fatalf("%d files to delete after a replacement, want 2", n)
	}
	e.runJobs()
	if n := len(e.imageFiles()); n != 2 {
		t.Fatalf("%d files after a replacement, want 2", n)
	}
	wantError(t, e.do("GET", got.ImageURL, "", nil), http.StatusNotFound, "not_found", "")
	wantPublicImage(t, e.env, next.ImageURL, 600)
	wantError(t, e.do("GET", media.LinkPath+"images/"+strings.Repeat("0", 32), "", nil), http.StatusNotFound, "not_found", "")
}

// TestActivityImage: an editor uploads an activity's picture; the
// residents' list, detail, own activities and home carry its public links;
// another role, another department's or street's editor, and a bad file
// change nothing.
func TestActivityImage(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, nil)
	path := "/api/v1/admin/activities/" + id + "/image"
	res, _ := w.residentOn("image-huafu", "华富街道")

	rec := w.uploadTo(path, w.editor, "file", withEXIF(solidJPEG(t, 640, 480, color.RGBA{20, 160, 60, 255})))
	wantStatus(t, rec, http.StatusOK)
	var got imageLinks
	decode(t, rec, &got)
	wantPublicImage(t, w.env, got.ImageURL, 640)
	wantPublicImage(t, w.env, got.ThumbURL, media.PublicThumbSide)
	if es := w.auditEntries("POST /api/v1/admin/activities/:id/image"); len(es) != 1 || es[0].TargetKind != "activities" || es[0].TargetID != id {
		t.Fatalf("audit %+v", es)
	}
	wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", res, nil), http.StatusCreated)
	for _, read := range []string{"/api/v1/activities", "/api/v1/activities/" + id, "/api/v1/me/activities", "/api/v1/home", "/api/v1/admin/activities/" + id, "/api/v1/admin/activities"} {
		tok := res
		if strings.HasPrefix(read, "/api/v1/admin/") {
			tok = w.editor
		}
		rec := w.do("GET", read, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"image_url":"`+got.ImageURL+`","thumb_url":"`+got.ThumbURL+`"`) {
			t.Fatalf("%s carries no picture: %s", read, rec.Body.String())
		}
	}

	unchanged := func(t *testing.T, what string) {
		t.Helper()
		rec := w.do("GET", "/api/v1/activities/"+id, res, nil)
		var now imageLinks
		decode(t, rec, &now)
		if now != got || len(w.imageFiles()) != 2 || len(w.auditEntries("POST /api/v1/admin/activities/:id/image")) != 1 {
			t.Fatalf("%s changed the picture: %+v, %d files", what, now, len(w.imageFiles()))
		}
	}
	t.Run("ErrBadFile", func(t *testing.T) {
		for name, send := range badPictures(t, w.env, path, w.editor) {
			wantError(t, send(), http.StatusBadRequest, "invalid_argument", "file")
			unchanged(t, name)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, w.uploadTo(path, w.verifier, "file", solidJPEG(t, 32, 32, color.White)), http.StatusForbidden, "permission_denied", "")
		wantError(t, w.uploadTo(path, res, "file", solidJPEG(t, 32, 32, color.White)), http.StatusForbidden, "permission_denied", "")
		unchanged(t, "another role")
	})
	t.Run("ErrOutOfScope", func(t *testing.T) {
		editorY := w.idorStaffer(w.otherDepartment(), []staff.Role{staff.Editor})
		editorLianhua, _ := w.staffer([]staff.Role{staff.Editor}, "莲花街道")
		for _, tok := range []string{editorY, editorLianhua} {
			wantError(t, w.uploadTo(path, tok, "file", solidJPEG(t, 32, 32, color.White)), http.StatusNotFound, "not_found", "")
		}
		unchanged(t, "another scope's editor")
	})
}
