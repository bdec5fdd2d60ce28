package api

import (
	"bytes"
	"context"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

func mustAtoi(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// uploadTo posts data to path as wx.uploadFile sends it: multipart, the
// file in field.
func (e *env) uploadTo(path, token, field string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, "tmp_e3b0c442.jpg")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return e.do("POST", path, token, body.Bytes(), "Content-Type", mw.FormDataContentType())
}

// fetchImage GETs a signed link as an <image> does: no header at all.
func (e *env) fetchImage(link string) *httptest.ResponseRecorder {
	e.t.Helper()
	if !strings.HasPrefix(link, media.LinkPath) {
		e.t.Fatalf("link %q is not a path under %s", link, media.LinkPath)
	}
	return e.do("GET", link, "", nil)
}

// wantPicture checks a served picture: JPEG of w×h without metadata,
// cacheable privately until its link expires.
func wantPicture(t *testing.T, rec *httptest.ResponseRecorder, w, h int) {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("Content-Type %q", ct)
	}
	cc := rec.Header().Get("Cache-Control")
	age, ok := strings.CutPrefix(cc, "private, max-age=")
	if n, err := strconv.Atoi(age); !ok || err != nil || n <= 0 || n > int((media.LinkTTL+media.LinkStep)/time.Second) {
		t.Fatalf("Cache-Control %q, want private until the link expires", cc)
	}
	for _, leak := range []string{"Exif", "PhoneX1"} {
		if bytes.Contains(rec.Body.Bytes(), []byte(leak)) {
			t.Fatalf("served picture holds %q", leak)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("picture %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
}

type linkedPhoto struct {
	N             int       `json:"n"`
	URL           string    `json:"url"`
	ThumbURL      string    `json:"thumb_url"`
	LinksExpireAt time.Time `json:"links_expire_at"`
}

type linkedRequest struct {
	ID     string        `json:"id"`
	Photos []linkedPhoto `json:"photos"`
}

// TestPhotoLinks: a resident's views carry signed links to each photo and
// its thumbnail, which an <image> fetches without any header; an expired,
// altered or re-aimed link is 403, alike and whether the file exists or
// not; a valid link to an erased photo is 404.
func TestPhotoLinks(t *testing.T) {
	e := newEnv(t)
	e.routeTo("repair", e.dept)
	tok, _ := e.resident("links-a")
	first := e.uploadToken(tok, withEXIF(solidJPEG(t, 800, 600, color.RGBA{200, 30, 30, 255})))
	second := e.uploadToken(tok, solidJPEG(t, 300, 400, color.RGBA{30, 30, 200, 255}))
	v := e.submitRequest(tok, "repair", "华富街道", map[string]any{"photos": []string{first, second}})
	if len(v.Photos) != 2 || v.Photos[0].URL == "" || v.Photos[0].ThumbURL == "" || v.Photos[0].LinksExpireAt == nil {
		t.Fatalf("submitted view without links: %+v", v.Photos)
	}
	rec := e.do("GET", "/api/v1/requests/"+itoa(v.ID), tok, nil)
	wantStatus(t, rec, http.StatusOK)
	var got linkedRequest
	decode(t, rec, &got)
	p1, p2 := got.Photos[0], got.Photos[1]
	if left := time.Until(p1.LinksExpireAt); left < media.LinkTTL-time.Minute || left > media.LinkTTL+media.LinkStep {
		t.Fatalf("links expire in %v", left)
	}
	rec = e.do("GET", "/api/v1/requests", tok, nil)
	var list struct{ Items []linkedRequest }
	decode(t, rec, &list)
	if len(list.Items) != 1 || list.Items[0].Photos[0] != p1 {
		t.Fatalf("the list's links differ from the request's: %s", rec.Body.String())
	}

	wantPicture(t, e.fetchImage(p1.URL), 800, 600)
	wantPicture(t, e.fetchImage(p1.ThumbURL), 320, 240)
	wantPicture(t, e.fetchImage(p2.ThumbURL), 240, 320)

	path1, q1, _ := strings.Cut(p1.URL, "?")
	path2, _, _ := strings.Cut(p2.URL, "?")
	id1 := mustAtoi(t, path1[strings.LastIndex(path1, "/")+1:])
	expired := e.srv.Links.LinkAt(media.KindPhoto, id1, media.SizeFull, time.Now().Add(-media.LinkTTL-media.LinkStep-time.Second)).URL
	sig := q1[strings.Index(q1, "sig=")+4:]
	flipped := "A"
	if sig[0] == 'A' {
		flipped = "B"
	}
	refusals := map[string]string{
		"expired":                 expired,
		"tampered signature":      strings.Replace(p1.URL, "sig="+sig, "sig="+flipped+sig[1:], 1),
		"later expiry":            strings.Replace(p1.URL, "exp=", "exp=1", 1),
		"other file":              path2 + "?" + q1,
		"a file that never was":   media.LinkPath + "photos/999999?" + q1,
		"the photo by its thumb":  strings.Replace(p1.ThumbURL, "&size=thumb", "", 1),
		"thumbnail by its photo":  p1.URL + "&size=thumb",
		"an avatar by the photo":  strings.Replace(p1.URL, "/photos/", "/avatars/", 1),
		"no signature":            path1 + "?exp=" + strconv.FormatInt(p1.LinksExpireAt.Unix(), 10) + "&sig=",
		"with a stranger's token": "",
	}
	var first403 string
	for name, link := range refusals {
		var rec *httptest.ResponseRecorder
		if link == "" {
			other, _ := e.resident("links-b")
			rec = e.do("GET", path2+"?"+q1, other, nil)
		} else {
			rec = e.fetchImage(link)
		}
		t.Run(name, func(t *testing.T) { wantError(t, rec, http.StatusForbidden, "permission_denied", "") })
		if first403 == "" {
			first403 = rec.Body.String()
		} else if rec.Body.String() != first403 {
			t.Errorf("%s: refusal %s differs from %s", name, rec.Body.String(), first403)
		}
	}

	// The resident's account is deleted: the photos go, and their links,
	// still valid, find nothing.
	wantStatus(t, e.do("DELETE", "/api/v1/me", tok, nil), http.StatusNoContent)
	wantError(t, e.fetchImage(p1.URL), http.StatusNotFound, "not_found", "")
	wantError(t, e.fetchImage(p2.ThumbURL), http.StatusNotFound, "not_found", "")
}

// TestPhotoLinksStaff: staff get a photo's links in a request's audited
// detail only, within their scope; the audit entry counts the links.
func TestPhotoLinksStaff(t *testing.T) {
	e := newEnv(t)
	e.routeTo("repair", e.dept)
	tok, _ := e.resident("links-staff")
	up := e.uploadToken(tok, solidJPEG(t, 64, 48, color.Gray{128}))
	v := e.submitRequest(tok, "repair", "华富街道", map[string]any{"photos": []string{up}})
	officer, _ := e.requestOfficer(e.dept)
	streetOfficer, _ := e.requestOfficer(e.dept, "莲花街道")
	y, err := e.staff.CreateDepartment(context.Background(), "另一部门")
	if err != nil {
		t.Fatal(err)
	}
	otherOfficer, _ := e.requestOfficer(y.ID)

	rec := e.do("GET", "/api/v1/admin/requests/"+itoa(v.ID), officer, nil)
	wantStatus(t, rec, http.StatusOK)
	var got linkedRequest
	decode(t, rec, &got)
	if len(got.Photos) != 1 || got.Photos[0].URL == "" || got.Photos[0].ThumbURL == "" {
		t.Fatalf("detail without links: %s", rec.Body.String())
	}
	wantPicture(t, e.fetchImage(got.Photos[0].URL), 64, 48)
	es := e.auditEntries("GET /api/v1/admin/requests/:id")
	if len(es) != 1 || es[0].Detail != "photo links 1" {
		t.Fatalf("audit entries %+v, want one with detail \"photo links 1\"", es)
	}

	rec = e.do("GET", "/api/v1/admin/requests", officer, nil)
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Body.String(), media.LinkPath) {
		t.Fatalf("the staff list issues links: %s", rec.Body.String())
	}
	for _, out := range []string{streetOfficer, otherOfficer} {
		rec := e.do("GET", "/api/v1/admin/requests/"+itoa(v.ID), out, nil)
		wantError(t, rec, http.StatusNotFound, "not_found", "")
		if strings.Contains(rec.Body.String(), media.LinkPath) {
			t.Fatal("a refusal carries a link")
		}
	}
	if es := e.auditEntries("GET /api/v1/admin/requests/:id"); len(es) != 1 {
		t.Fatalf("%d audit entries, want the one read that succeeded", len(es))
	}
	// The console's authenticated photo route still serves it.
	wantStatus(t, e.do("GET", "/api/v1/admin/requests/"+itoa(v.ID)+"/photos/1", officer, nil), http.StatusOK)
}

// avatarFiles lists the stored avatars.
func (e *env) avatarFiles() []string {
	e.t.Helper()
	all, err := filepath.Glob(filepath.Join(e.storeDir, "avatar", "*"))
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

type profile struct {
	AvatarURL string `json:"avatar_url"`
}

// TestAvatarUpload: the mini program sends the avatar chooseAvatar gave
// (wx.uploadFile, field file); it is kept as a 256-pixel square JPEG
// without EXIF, and GET /me shows it through a signed link an <image>
// fetches. Replacing it, setting an address and deleting the account
// delete its file; the export mentions it.
func TestAvatarUpload(t *testing.T) {
	e := newEnv(t)
	tok, id := e.resident("avatar-a")
	const path = "/api/v1/me/avatar"
	rec := e.uploadTo(path, tok, "file", withEXIF(solidJPEG(t, 600, 400, color.RGBA{10, 120, 200, 255})))
	wantStatus(t, rec, http.StatusOK)
	var me profile
	decode(t, rec, &me)
	if !strings.HasPrefix(me.AvatarURL, media.LinkPath+"avatars/"+itoa(id)+"?") {
		t.Fatalf("avatar_url %q", me.AvatarURL)
	}
	rec = e.do("GET", "/api/v1/me", tok, nil)
	decode(t, rec, &me)
	wantPicture(t, e.fetchImage(me.AvatarURL), residents.AvatarSide, residents.AvatarSide)
	if n := len(e.avatarFiles()); n != 1 {
		t.Fatalf("%d avatar files", n)
	}
	rec = e.do("GET", "/api/v1/me/export", tok, nil)
	if !strings.Contains(rec.Body.String(), `"avatar":{"uploaded":true,"url":"`+media.LinkPath+`avatars/`) {
		t.Fatalf("export does not mention the avatar: %s", rec.Body.String())
	}

	t.Run("ErrBadFile", func(t *testing.T) {
		for name, send := range map[string]func() *httptest.ResponseRecorder{
			"text named .jpg": func() *httptest.ResponseRecorder {
				return e.uploadTo(path, tok, "file", []byte("this is no picture, only some text"))
			},
			"gif": func() *httptest.ResponseRecorder {
				return e.uploadTo(path, tok, "file", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;....."))
			},
			"16-bit 6000×6666 png": func() *httptest.ResponseRecorder {
				return e.uploadTo(path, tok, "file", pngOfZeros(t, 6000, 6666, 16, 6))
			},
			"over 10 MiB": func() *httptest.ResponseRecorder {
				return e.uploadTo(path, tok, "file", make([]byte, residents.MaxAvatarBytes+1))
			},
			"another field": func() *httptest.ResponseRecorder {
				return e.uploadTo(path, tok, "avatar", solidJPEG(t, 32, 32, color.White))
			},
			"json": func() *httptest.ResponseRecorder {
				return e.do("POST", path, tok, map[string]string{"file": "x"})
			},
		} {
			wantError(t, send(), http.StatusBadRequest, "invalid_argument", "file")
			rec := e.do("GET", "/api/v1/me", tok, nil)
			var now profile
			decode(t, rec, &now)
			if strings.Split(now.AvatarURL, "?")[0] != strings.Split(me.AvatarURL, "?")[0] || len(e.avatarFiles()) != 1 {
				t.Fatalf("%s changed the avatar: %s, %d files", name, now.AvatarURL, len(e.avatarFiles()))
			}
		}
	})
	t.Run("ErrNotResident", func(t *testing.T) {
		admin, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantError(t, e.uploadTo(path, admin, "file", solidJPEG(t, 32, 32, color.White)), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.uploadTo(path, "", "file", solidJPEG(t, 32, 32, color.White)), http.StatusUnauthorized, "unauthenticated", "")
		if len(e.avatarFiles()) != 1 {
			t.Fatal("a refused upload stored a file")
		}
	})

	// A new avatar replaces the old, whose file the sweeper deletes.
	wantStatus(t, e.uploadTo(path, tok, "file", solidJPEG(t, 200, 300, color.White)), http.StatusOK)
	e.runJobs()
	if n := len(e.avatarFiles()); n != 1 {
		t.Fatalf("%d avatar files after a replacement, want 1", n)
	}
	// An https address replaces the upload too.
	rec = e.do("PATCH", "/api/v1/me", tok, map[string]string{"avatar_url": "https://thirdwx.qlogo.cn/mmopen/x/132"})
	wantStatus(t, rec, http.StatusOK)
	decode(t, rec, &me)
	if me.AvatarURL != "https://thirdwx.qlogo.cn/mmopen/x/132" {
		t.Fatalf("avatar_url %q", me.AvatarURL)
	}
	e.runJobs()
	if n := len(e.avatarFiles()); n != 0 {
		t.Fatalf("%d avatar files after an address replaced it", n)
	}

	// DELETE /me deletes the avatar's file; its link finds nothing.
	wantStatus(t, e.uploadTo(path, tok, "file", solidJPEG(t, 64, 64, color.White)), http.StatusOK)
	rec = e.do("GET", "/api/v1/me", tok, nil)
	decode(t, rec, &me)
	wantStatus(t, e.do("DELETE", "/api/v1/me", tok, nil), http.StatusNoContent)
	if n := e.queued(requests.JobDeleteObject); n != 1 {
		t.Fatalf("%d files to delete after the account's deletion, want the avatar", n)
	}
	e.runJobs()
	if n := len(e.avatarFiles()); n != 0 {
		t.Fatalf("%d avatar files after the account's deletion", n)
	}
	wantError(t, e.fetchImage(me.AvatarURL), http.StatusNotFound, "not_found", "")
}

// TestUploadsWaitForTheLimiter: a photo or an avatar whose decode does not
// get its turn within the limiter's wait is 429 with Retry-After, and
// nothing is stored; once the limiter is free the same upload succeeds.
func TestUploadsWaitForTheLimiter(t *testing.T) {
	lim := media.NewLimiter(64<<20, 1, 20*time.Millisecond)
	storeDir := t.TempDir()
	e := newEnvWith(t, func(c *Config) {
		box, _ := pii.New(bytes.Repeat([]byte{7}, pii.KeySize))
		regions, _ := residents.LoadRegions()
		store, err := storage.NewLocal(storeDir)
		if err != nil {
			t.Fatal(err)
		}
		c.Services = app.New(app.Deps{
			DB: c.Services.Requests.DB(), Box: box, Regions: regions, ResidentTokenTTL: time.Hour, StaffTokenTTL: time.Hour,
			Store: store, Media: lim,
		})
	})
	tok, _ := e.resident("busy")
	release, err := lim.Acquire(context.Background(), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	photo := solidJPEG(t, 64, 64, color.White)
	for _, path := range []string{"/api/v1/requests/photos", "/api/v1/me/avatar"} {
		rec := e.uploadTo(path, tok, "file", photo)
		wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
		if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
			t.Fatalf("%s: Retry-After %q", path, rec.Header().Get("Retry-After"))
		}
	}
	if n := e.count("request_photos"); n != 0 {
		t.Fatalf("%d photos stored while busy", n)
	}
	if files, _ := filepath.Glob(filepath.Join(storeDir, "*", "*")); len(files) != 0 {
		t.Fatalf("files stored while busy: %v", files)
	}
	release()
	wantStatus(t, e.uploadTo("/api/v1/requests/photos", tok, "file", photo), http.StatusCreated)
	wantStatus(t, e.uploadTo("/api/v1/me/avatar", tok, "file", photo), http.StatusOK)
}
