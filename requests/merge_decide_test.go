package requests

import (
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

func TestDecideMerge(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	main := mergeFacts{ID: 1, Status: StatusAccepted, Category: "noise", Street: "华富街道", CreatedAt: t0}
	five := int64(5)
	for _, tc := range []struct {
		name string
		dup  mergeFacts
		want string // "" = may merge; else the start of why not
	}{
		{"same matter", mergeFacts{ID: 2, Status: StatusSubmitted, Category: "noise", Street: "华富街道", CreatedAt: t0.Add(48 * time.Hour)}, ""},
		{"earlier one", mergeFacts{ID: 2, Status: StatusInProgress, Category: "noise", Street: "华富街道", CreatedAt: t0.Add(-6 * 24 * time.Hour)}, ""},
		{"itself", mergeFacts{ID: 1, Status: StatusAccepted, Category: "noise", Street: "华富街道", CreatedAt: t0}, "不能与自身合并"},
		{"already merged", mergeFacts{ID: 2, Status: StatusMerged, MergedInto: &five, Category: "noise", Street: "华富街道", CreatedAt: t0}, "已合并"},
		{"answered", mergeFacts{ID: 2, Status: StatusAnswered, Category: "noise", Street: "华富街道", CreatedAt: t0}, "已答复"},
		{"closed", mergeFacts{ID: 2, Status: StatusClosed, Category: "noise", Street: "华富街道", CreatedAt: t0}, "已答复"},
		{"with an enterprise", mergeFacts{ID: 2, Status: StatusWithEnterprise, Category: "noise", Street: "华富街道", CreatedAt: t0}, "已答复"},
		{"a main itself", mergeFacts{ID: 2, Status: StatusAccepted, Category: "noise", Street: "华富街道", CreatedAt: t0, Linked: 1}, "已有其他诉求"},
		{"other category", mergeFacts{ID: 2, Status: StatusAccepted, Category: "repair", Street: "华富街道", CreatedAt: t0}, "类别不同"},
		{"other street", mergeFacts{ID: 2, Status: StatusAccepted, Category: "noise", Street: "莲花街道", CreatedAt: t0}, "街道不同"},
		{"too far apart", mergeFacts{ID: 2, Status: StatusAccepted, Category: "noise", Street: "华富街道", CreatedAt: t0.Add(7*24*time.Hour + time.Second)}, "提交时间相隔"},
		{"on the window's edge", mergeFacts{ID: 2, Status: StatusAccepted, Category: "noise", Street: "华富街道", CreatedAt: t0.Add(7 * 24 * time.Hour)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decideMerge(main, tc.dup)
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Fatalf("decideMerge = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMainOpen(t *testing.T) {
	three := int64(3)
	for _, tc := range []struct {
		f  mergeFacts
		ok bool
	}{
		{mergeFacts{Status: StatusSubmitted}, true},
		{mergeFacts{Status: StatusAccepted, Linked: 2}, true}, // more may join
		{mergeFacts{Status: StatusAnswered}, false},
		{mergeFacts{Status: StatusMerged, MergedInto: &three}, false},
	} {
		err := mainOpen(tc.f)
		if (err == nil) != tc.ok || (err != nil && apperr.CodeOf(err) != apperr.Conflict) {
			t.Errorf("mainOpen(%+v) = %v", tc.f, err)
		}
	}
}

func TestRankCandidate(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	lat, lng := 22.5431, 114.0579
	near, far := lat+0.002, lat+0.02 // about 220 m and 2.2 km north
	main := mergeFacts{ID: 1, Status: StatusAccepted, Category: "noise", Street: "华富街道", Community: "田面社区",
		Address: "深南中路 3001 号", Lat: &lat, Lng: &lng, CreatedAt: t0}
	cand := func(mod func(*mergeFacts)) mergeFacts {
		c := mergeFacts{ID: 2, Status: StatusSubmitted, Category: "noise", Street: "华富街道", CreatedAt: t0.Add(3 * 24 * time.Hour)}
		mod(&c)
		return c
	}
	for _, tc := range []struct {
		name  string
		c     mergeFacts
		score int
		ok    bool
	}{
		{"only category and street", cand(func(*mergeFacts) {}), 0, true},
		{"near", cand(func(c *mergeFacts) { c.Lat, c.Lng = &near, &lng }), 3, true},
		{"far", cand(func(c *mergeFacts) { c.Lat, c.Lng = &far, &lng }), 0, true},
		{"same community and address, same day", cand(func(c *mergeFacts) {
			c.Community, c.Address, c.CreatedAt = "田面社区", " 深南中路 3001 号", t0.Add(time.Hour)
		}), 6, true},
		{"everything", cand(func(c *mergeFacts) {
			c.Lat, c.Lng, c.Community, c.Address, c.CreatedAt = &near, &lng, "田面社区", "深南中路 3001 号", t0.Add(time.Hour)
		}), 9, true},
		{"not mergeable", cand(func(c *mergeFacts) { c.Category = "repair" }), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			score, reasons, ok := rankCandidate(main, tc.c)
			if score != tc.score || ok != tc.ok {
				t.Fatalf("rankCandidate = %d %v %v, want %d %v", score, reasons, ok, tc.score, tc.ok)
			}
		})
	}
	if d := distanceMeters(main, cand(func(c *mergeFacts) { c.Lat, c.Lng = &near, &lng })); d < 200 || d > 240 {
		t.Errorf("distance = %d m, want about 222", d)
	}
}

func TestDecideRefer(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    referFacts
		code string // "" = may refer
	}{
		{"accepted", referFacts{Status: StatusAccepted, Members: 1}, ""},
		{"in progress", referFacts{Status: StatusInProgress, Members: 3}, ""},
		{"not accepted yet", referFacts{Status: StatusSubmitted, Members: 1}, apperr.Conflict},
		{"answered", referFacts{Status: StatusAnswered, Members: 1}, apperr.Conflict},
		{"twice", referFacts{Status: StatusAccepted, Referred: true, Members: 1}, apperr.Conflict},
		{"nobody to answer", referFacts{Status: StatusAccepted}, apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decideRefer(tc.f)
			if apperr.CodeOf(err) != tc.code {
				t.Fatalf("decideRefer = %v, want %q", err, tc.code)
			}
		})
	}
}

func TestDecideEnd(t *testing.T) {
	due := time.Date(2026, 11, 5, 16, 0, 0, 0, time.UTC)
	before, after := due.Add(-time.Minute), due
	pending := endFacts{Outcome: ReferralPending, DueAt: due}
	for _, tc := range []struct {
		name     string
		f        endFacts
		byMember bool
		resolved bool
		now      time.Time
		want     string
		code     string
	}{
		{"resolved in time", pending, true, true, before, ReferralResolved, ""},
		{"explained in time", pending, true, false, before, ReferralDisputed, ""},
		{"answer too late", pending, true, true, after, "", apperr.Conflict},
		{"window ends", pending, false, false, after, ReferralExpired, ""},
		{"window not over", pending, false, false, before, "", apperr.Conflict},
		{"answered twice", endFacts{Outcome: ReferralResolved, DueAt: due}, true, true, before, "", apperr.Conflict},
		{"expired already", endFacts{Outcome: ReferralExpired, DueAt: due}, false, false, after, "", apperr.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decideEnd(tc.f, tc.byMember, tc.resolved, tc.now)
			if got != tc.want || apperr.CodeOf(err) != tc.code {
				t.Fatalf("decideEnd = %q, %v; want %q, %q", got, err, tc.want, tc.code)
			}
		})
	}
}
