package requests_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

// TestStats checks the published figures on a known data set.
func TestStats(t *testing.T) {
	e := newEnv(t)
	a, b := e.department("城管"), e.department("住建")
	e.route("noise", "", a)  // 3 working days: due when Thursday 5 November ends
	e.route("repair", "", b) // 5 working days
	oa, ob := e.member(&a, []staff.Role{staff.Editor}), e.member(&b, []staff.Role{staff.Editor})
	res := e.resident("a")
	at := func(day, hour int) { e.now = time.Date(2026, 11, day, hour, 0, 0, 0, district.Zone) }

	e.now = time.Date(2026, 10, 30, 10, 0, 0, 0, district.Zone)
	e.submit(res, "repair", "园岭街道") // October: not counted

	at(2, 10)
	r1 := e.submit(res, "noise", "园岭街道")
	r2 := e.submit(res, "noise", "南园街道")
	e.submit(res, "noise", "园岭街道") // never accepted
	r4 := e.submit(res, "repair", "园岭街道")

	accept := func(m *staff.Member, v *requests.View) *requests.StaffView {
		return must(e.req.Accept(e.ctx, m, v.ID, v.Version))
	}
	answer := func(m *staff.Member, id, version int64) *requests.StaffView {
		return must(e.req.Answer(e.ctx, m, id, requests.Answer{Version: version, Text: "已办理"}))
	}
	at(2, 11)
	s1, s2, s4 := accept(oa, r1), accept(oa, r2), accept(ob, r4)
	at(2, 12)
	answer(oa, r1.ID, s1.Version) // 2 hours, on time
	must(e.req.Rate(e.ctx, res, r1.ID, 5, "", false))
	at(6, 10)
	answer(oa, r2.ID, s2.Version) // 96 hours, late
	must(e.req.Rate(e.ctx, res, r2.ID, 2, "", false))
	at(3, 10)
	s4 = answer(ob, r4.ID, s4.Version)
	at(3, 11)
	must(e.req.Rate(e.ctx, res, r4.ID, 1, "", true))
	at(4, 10)
	s4 = must(e.req.FindForStaff(e.ctx, ob, r4.ID))
	answer(ob, r4.ID, s4.Version) // 48 hours after it was made, on time
	must(e.req.Rate(e.ctx, res, r4.ID, 4, "", false))

	admin := e.member(nil, []staff.Role{staff.Superadmin})
	st := must(e.req.Stats(e.ctx, admin, "2026-11", requests.ByDepartment))
	f := func(v *float64) string {
		if v == nil {
			return "nil"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	line := func(g requests.Figures) string {
		return strings.Join([]string{
			g.Name, strconv.Itoa(g.Received), strconv.Itoa(g.Responded), strconv.Itoa(g.AcceptNoticed), strconv.Itoa(g.Answered),
			strconv.Itoa(g.OnTime), f(g.ResponseRate), f(g.AcceptNoticeRate), f(g.OnTimeRate), f(g.AvgHandlingHours),
			strconv.Itoa(g.Rated), f(g.MeanRating), f(g.SatisfiedShare), strconv.Itoa(g.Reopened),
		}, " ")
	}
	var got []string
	for _, g := range st.Rows {
		got = append(got, line(g))
	}
	got = append(got, line(st.Total))
	names := must(e.svc.Staff.FindDepartments(e.ctx))
	name := map[int64]string{}
	for _, d := range names {
		name[d.ID] = d.Name
	}
	want := []string{
		name[a] + " 3 2 2 2 1 0.6667 0.6667 0.5 49 2 3.5 0.5 0",
		name[b] + " 1 1 1 1 1 1 1 1 48 1 4 1 1",
		"合计 4 3 3 3 2 0.75 0.75 0.6667 48.7 3 3.67 0.6667 1",
	}
	if a > b {
		want[0], want[1] = want[1], want[0]
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stats by department:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	byStreet := must(e.req.Stats(e.ctx, admin, "2026-11", requests.ByStreet))
	if len(byStreet.Rows) != 2 || byStreet.Rows[0].Key != "南园街道" || byStreet.Rows[0].Received != 1 || byStreet.Rows[1].Received != 3 {
		t.Fatalf("by street: %+v", byStreet.Rows)
	}
	// A member of department a counts only its requests.
	mine := must(e.req.Stats(e.ctx, oa, "2026-11", requests.ByCategory))
	if len(mine.Rows) != 1 || mine.Rows[0].Key != "noise" || mine.Rows[0].Name != "噪音扰民" || mine.Total.Received != 3 {
		t.Fatalf("department's own stats: %+v", mine)
	}
	var buf bytes.Buffer
	if err := st.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "受理量") || !strings.Contains(buf.String(), "2026-11,部门,合计,4,3,75.0,75.0,3,66.7,48.7,3,3.67,66.7,1") {
		t.Fatalf("csv:\n%s", buf.String())
	}
}

func jpegBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEraseResident: deleting the account erases the request's personal
// parts and photos (their bytes once the sweeper runs), and statistics
// still count the request.
func TestEraseResident(t *testing.T) {
	e := newEnv(t)
	dept := e.department("城管")
	e.route("noise", "", dept)
	res := e.resident("a")
	up := must(e.req.UploadPhoto(e.ctx, res, bytes.NewReader(jpegBytes(t))))
	lat, lng := 22.54, 114.05
	v, _, err := e.req.Submit(e.ctx, res, requests.NewRequest{
		ClientKey: "k1", Category: "noise", Description: "楼下装修噪音", Street: "园岭街道", Community: "红荔社区",
		Address: "红荔路 1 号", Latitude: &lat, Longitude: &lng, Contact: "13812345678", Photos: []string{up.Token},
	})
	if err != nil {
		t.Fatal(err)
	}
	var key, thumb string
	e.svc.Requests.DB().Table("request_photos").Where("token = ?", up.Token).Pluck("storage_key", &key)
	e.svc.Requests.DB().Table("request_photos").Where("token = ?", up.Token).Pluck("thumb_key", &thumb)
	for _, k := range []string{key, thumb} {
		if _, _, err := e.store.Get(e.ctx, k); err != nil {
			t.Fatalf("stored photo %q: %v", k, err)
		}
	}
	exp := must(e.svc.Residents.Export(e.ctx, res))
	if rs := exp.Sections["requests"]; rs == nil || !strings.Contains(toJSON(t, rs), "13812345678") || !strings.Contains(toJSON(t, rs), "楼下装修噪音") {
		t.Fatalf("export: %s", toJSON(t, rs))
	}
	if err := e.svc.Residents.Delete(e.ctx, res); err != nil {
		t.Fatal(err)
	}
	var r requests.Request
	if err := e.svc.Requests.DB().Take(&r, v.ID).Error; err != nil {
		t.Fatal(err)
	}
	if r.Description != "" || r.Address != "" || r.Latitude != nil || r.ContactEnc != nil || r.ErasedAt == nil || r.Street != "园岭街道" || r.Category != "noise" {
		t.Fatalf("erased request: %+v", r)
	}
	var photos int64
	e.svc.Requests.DB().Table("request_photos").Count(&photos)
	if photos != 0 {
		t.Fatalf("%d photo rows left", photos)
	}
	// The erasure queued the deletion of the photo and its thumbnail.
	e.runJobs()
	for _, k := range []string{key, thumb} {
		if _, _, err := e.store.Get(e.ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("photo bytes after sweep: %v", err)
		}
	}
	admin := e.member(nil, []staff.Role{staff.Superadmin})
	if st := must(e.req.Stats(e.ctx, admin, "2026-11", requests.ByStreet)); st.Total.Received != 1 {
		t.Fatalf("stats after erasure: %+v", st.Total)
	}
	if list, _, _ := e.req.Find(e.ctx, admin, requests.Filter{Limit: 10}); len(list) != 0 {
		t.Fatalf("erased request still listed: %+v", list)
	}
}

// TestSweepUnattached: an upload no submit referenced is deleted after
// UnattachedPhotoTTL, bytes and row; an attached one stays.
func TestSweepUnattached(t *testing.T) {
	e := newEnv(t)
	res := e.resident("a")
	lone := must(e.req.UploadPhoto(e.ctx, res, bytes.NewReader(jpegBytes(t))))
	kept := must(e.req.UploadPhoto(e.ctx, res, bytes.NewReader(jpegBytes(t))))
	if _, _, err := e.req.Submit(e.ctx, res, requests.NewRequest{ClientKey: "k", Category: "other", Description: "x", Street: "园岭街道", Photos: []string{kept.Token}}); err != nil {
		t.Fatal(err)
	}
	if n := must(e.req.Sweep(e.ctx)); n != 0 {
		t.Fatalf("swept %d before the TTL", n)
	}
	var keys struct{ StorageKey, ThumbKey string }
	e.svc.Requests.DB().Table("request_photos").Select("storage_key, thumb_key").Where("token = ?", lone.Token).Take(&keys)
	e.now = e.now.Add(requests.UnattachedPhotoTTL + time.Minute)
	if n := must(e.req.Sweep(e.ctx)); n != 1 {
		t.Fatalf("swept %d, want 1", n)
	}
	e.runJobs()
	for _, k := range []string{keys.StorageKey, keys.ThumbKey} {
		if _, _, err := e.store.Get(e.ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("%s after the sweep: %v", k, err)
		}
	}
	var left []string
	e.svc.Requests.DB().Table("request_photos").Pluck("token", &left)
	if len(left) != 1 || left[0] != kept.Token {
		t.Fatalf("photos left: %v, want only %s (not %s)", left, kept.Token, lone.Token)
	}
}
