package requests_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

func TestRouting(t *testing.T) {
	e := newEnv(t)
	sanitation, lianhua, other := e.department("城管"), e.department("莲花街道办"), e.department("其他")
	e.route("sanitation", "", sanitation)
	e.route("sanitation", "莲花街道", lianhua)
	r := e.resident("a")
	for _, tc := range []struct {
		category, street string
		want             *int64
	}{
		{"sanitation", "莲花街道", &lianhua},    // the street's own route
		{"sanitation", "园岭街道", &sanitation}, // the category's route for other streets
		{"noise", "园岭街道", nil},              // no route: the dispatch centre's queue
	} {
		wantStatus := requests.StatusSubmitted
		if tc.want == nil {
			wantStatus = requests.StatusDispatching
		}
		v := e.submit(r, tc.category, tc.street)
		if (v.DepartmentID == nil) != (tc.want == nil) || (v.DepartmentID != nil && *v.DepartmentID != *tc.want) {
			t.Errorf("%s in %s went to %v, want %v", tc.category, tc.street, v.DepartmentID, tc.want)
		}
		if string(v.Status) != wantStatus || len(v.History) != 1 || v.History[0].Action != requests.ActSubmit {
			t.Errorf("new request: status %s history %+v", v.Status, v.History)
		}
	}
	_ = other
	// A route for an unknown category, street or department is refused.
	for field, rt := range map[string]requests.Route{
		"category":      {Category: "nope", DepartmentID: other},
		"street":        {Category: "noise", Street: "火星街道", DepartmentID: other},
		"department_id": {Category: "noise", DepartmentID: 999999},
	} {
		_, err := e.req.SaveRoute(e.ctx, rt)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Fields[field] == "" {
			t.Errorf("route %+v: %v, want invalid_argument naming %s", rt, err, field)
		}
	}
}

// TestDeadlineAndTransfer: a request made on a Friday before a Monday
// holiday is due after two working days (Tuesday, Wednesday); a transfer
// keeps that deadline and shows in the history, and the request leaves
// the first department's scope.
func TestDeadlineAndTransfer(t *testing.T) {
	e := newEnv(t)
	if _, err := e.req.SaveHoliday(e.ctx, requests.Holiday{Day: "2026-11-09", Kind: requests.KindHoliday, Name: "测试假日"}); err != nil {
		t.Fatal(err)
	}
	first, second := e.department("城管"), e.department("住建")
	e.route("street_vending", "", first)                       // 3 working days
	e.now = time.Date(2026, 11, 6, 16, 0, 0, 0, district.Zone) // Friday
	res := e.resident("a")
	v := e.submit(res, "street_vending", "园岭街道")
	// Mon 9 is a holiday: Tue 10, Wed 11, Thu 12 → due when Thursday ends.
	if want := time.Date(2026, 11, 13, 0, 0, 0, 0, district.Zone); !v.DeadlineAt.Equal(want) {
		t.Fatalf("deadline %s, want %s", v.DeadlineAt.In(district.Zone), want)
	}
	officer := e.member(&first, []staff.Role{staff.Editor})
	e.now = e.now.Add(time.Hour)
	moved := must(e.req.Transfer(e.ctx, officer, v.ID, v.Version, second, "属住建部门职责"))
	if moved.Status != requests.StatusTransferred || !moved.DeadlineAt.Equal(v.DeadlineAt) || *moved.DepartmentID != second {
		t.Fatalf("after transfer: %s, deadline %s, dept %v", moved.Status, moved.DeadlineAt, *moved.DepartmentID)
	}
	last := moved.History[len(moved.History)-1]
	if last.Action != requests.ActTransfer || *last.FromDepartmentID != first || *last.ToDepartmentID != second || last.Reason != "属住建部门职责" {
		t.Fatalf("transfer event %+v", last)
	}
	// The first department no longer sees it; the second does.
	if _, err := e.req.FindForStaff(e.ctx, officer, v.ID); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("first department after transfer: %v, want ErrNotFound", err)
	}
	other := e.member(&second, []staff.Role{staff.Editor})
	if _, err := e.req.Accept(e.ctx, other, v.ID, v.Version); !errors.Is(err, requests.ErrStale) {
		t.Fatalf("accept on the pre-transfer version: %v, want ErrStale", err)
	}
	got := must(e.req.Accept(e.ctx, other, v.ID, moved.Version))
	if got.Status != requests.StatusAccepted || got.AcceptedAt == nil {
		t.Fatalf("accepted: %+v", got)
	}
	// Transfer to the department it is at, or to none, is refused.
	for _, to := range []int64{second, 999999} {
		_, err := e.req.Transfer(e.ctx, other, v.ID, got.Version, to, "x")
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("transfer to %d: %v, want invalid_argument", to, err)
		}
	}
}

func TestRatingOnceReopenOnce(t *testing.T) {
	e := newEnv(t)
	dept := e.department("城管")
	e.route("noise", "", dept)
	officer := e.member(&dept, []staff.Role{staff.Editor})
	res, stranger := e.resident("a"), e.resident("b")
	v := e.submit(res, "noise", "园岭街道")
	a := must(e.req.Accept(e.ctx, officer, v.ID, v.Version))
	a = must(e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Version: a.Version, Text: "已处理"}))
	if _, err := e.req.Rate(e.ctx, stranger, v.ID, 5, "", false); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("another resident's rating: %v", err)
	}
	if _, err := e.req.Rate(e.ctx, res, v.ID, 4, "", true); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("reopen with 4: %v, want invalid_argument", err)
	}
	r := must(e.req.Rate(e.ctx, res, v.ID, 1, "没有解决", true))
	if r.Status != requests.StatusAccepted || r.Reopened != 1 || *r.Rating != 1 {
		t.Fatalf("reopened: %+v", r)
	}
	if _, err := e.req.Rate(e.ctx, res, v.ID, 1, "", true); !errors.Is(err, requests.ErrWrongState) {
		t.Fatalf("rating a reopened request before its new answer: %v", err)
	}
	a = must(e.req.FindForStaff(e.ctx, officer, v.ID))
	a = must(e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Version: a.Version, Text: "再次处理"}))
	if _, err := e.req.Rate(e.ctx, res, v.ID, 2, "", true); !errors.Is(err, requests.ErrReopenUsed) {
		t.Fatalf("second reopen: %v, want ErrReopenUsed", err)
	}
	r = must(e.req.Rate(e.ctx, res, v.ID, 4, "好", false))
	if r.Status != requests.StatusClosed || *r.Rating != 4 || r.ClosedAt == nil || r.CanRate {
		t.Fatalf("closed: %+v", r)
	}
	if _, err := e.req.Rate(e.ctx, res, v.ID, 5, "", false); !errors.Is(err, requests.ErrWrongState) {
		t.Fatalf("second rating: %v, want ErrWrongState", err)
	}

	// Past the window no rating is taken, and the worker closes it.
	v2 := e.submit(res, "noise", "园岭街道")
	a = must(e.req.Accept(e.ctx, officer, v2.ID, v2.Version))
	must(e.req.Answer(e.ctx, officer, v2.ID, requests.Answer{Version: a.Version, Text: "已处理"}))
	e.now = e.now.Add(requests.RatingWindow + time.Minute)
	if _, err := e.req.Rate(e.ctx, res, v2.ID, 5, "", false); !errors.Is(err, requests.ErrRatingClosed) {
		t.Fatalf("late rating: %v, want ErrRatingClosed", err)
	}
	if n := must(e.req.CloseUnrated(e.ctx)); n != 1 {
		t.Fatalf("closed %d, want 1", n)
	}
	if got := must(e.req.Get(e.ctx, res, v2.ID)); got.Status != requests.StatusClosed || got.Rating != nil {
		t.Fatalf("after the window: %+v", got)
	}
}

// TestConcurrentAnswers: officers answering one request at once; exactly
// one answer stands, every other is refused as stale or in the wrong
// state, and the history holds one answer.
func TestConcurrentAnswers(t *testing.T) {
	e := newEnv(t)
	dept := e.department("城管")
	e.route("repair", "", dept)
	res := e.resident("a")
	v := e.submit(res, "repair", "园岭街道")
	officers := make([]*staff.Member, 12)
	for i := range officers {
		officers[i] = e.member(&dept, []staff.Role{staff.Editor})
	}
	a := must(e.req.Accept(e.ctx, officers[0], v.ID, v.Version))
	var wg sync.WaitGroup
	errs := make([]error, len(officers))
	for i, m := range officers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.req.Answer(e.ctx, m, v.ID, requests.Answer{Version: a.Version, Text: fmt.Sprint("答复 ", i)})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, requests.ErrStale), errors.Is(err, requests.ErrWrongState):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	got := must(e.req.FindForStaff(e.ctx, officers[0], v.ID))
	answers := 0
	for _, h := range got.History {
		if h.Action == requests.ActAnswer {
			answers++
		}
	}
	if won != 1 || answers != 1 || got.Version != a.Version+1 {
		t.Fatalf("%d answers won, %d in history, version %d; want 1, 1, %d", won, answers, got.Version, a.Version+1)
	}
}

// TestConcurrentSubmits: a submit retried many times at once with one
// client key makes one request.
func TestConcurrentSubmits(t *testing.T) {
	e := newEnv(t)
	res := e.resident("a")
	var wg sync.WaitGroup
	ids := make([]int64, 16)
	errs := make([]error, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := e.req.Submit(e.ctx, res, requests.NewRequest{ClientKey: "same-key", Category: "other", Description: "井盖松动", Street: "福田街道"})
			errs[i] = err
			if v != nil {
				ids[i] = v.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("submit %d: id %d err %v; want id %d", i, ids[i], errs[i], ids[0])
		}
	}
	mine, _ := must2(e.req.Mine(e.ctx, res, "", 100, 0))
	if len(mine) != 1 {
		t.Fatalf("%d requests, want 1", len(mine))
	}
	// The key with other content is a conflict.
	_, _, err := e.req.Submit(e.ctx, res, requests.NewRequest{ClientKey: "same-key", Category: "other", Description: "另一件事", Street: "福田街道"})
	if !errors.Is(err, requests.ErrKeyReused) {
		t.Fatalf("reused key: %v", err)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func TestEscalation(t *testing.T) {
	e := newEnv(t)
	dept := e.department("城管")
	e.route("noise", "", dept)
	res := e.resident("a")
	e.now = time.Date(2026, 11, 6, 16, 0, 0, 0, district.Zone) // Friday
	v := e.submit(res, "noise", "园岭街道")
	accepted := e.submit(res, "noise", "园岭街道")
	officer := e.member(&dept, []staff.Role{staff.Editor})
	must(e.req.Accept(e.ctx, officer, accepted.ID, accepted.Version))
	e.now = time.Date(2026, 11, 9, 20, 0, 0, 0, district.Zone) // Monday evening: no working day over yet
	if n := must(e.req.Escalate(e.ctx)); n != 0 {
		t.Fatalf("escalated %d on Monday, want 0", n)
	}
	e.now = time.Date(2026, 11, 10, 0, 30, 0, 0, district.Zone) // Monday over
	if n := must(e.req.Escalate(e.ctx)); n != 1 {
		t.Fatalf("escalated %d, want 1", n)
	}
	if n := must(e.req.Escalate(e.ctx)); n != 0 {
		t.Fatalf("escalated again: %d", n)
	}
	list, _ := must2(e.req.Find(e.ctx, officer, requests.Filter{Queue: requests.QueueEscalated, Limit: 10}))
	if len(list) != 1 || list[0].ID != v.ID || list[0].EscalatedAt == nil {
		t.Fatalf("escalated queue: %+v", list)
	}
	// Escalation keeps the version: accepting still works.
	must(e.req.Accept(e.ctx, officer, v.ID, v.Version))
}

func TestScopeOfLists(t *testing.T) {
	e := newEnv(t)
	mine, theirs := e.department("城管"), e.department("住建")
	e.route("noise", "", mine)
	e.route("repair", "", theirs)
	res := e.resident("a")
	a := e.submit(res, "noise", "园岭街道")
	e.submit(res, "noise", "南园街道")
	e.submit(res, "repair", "园岭街道")
	e.submit(res, "other", "园岭街道") // no route: the district's
	streetScoped := e.member(&mine, []staff.Role{staff.Editor}, "园岭街道")
	list, _ := must2(e.req.Find(e.ctx, streetScoped, requests.Filter{Limit: 50}))
	if len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("street-scoped member sees %d, want only request %d", len(list), a.ID)
	}
	admin := e.member(nil, []staff.Role{staff.Superadmin})
	list, _ = must2(e.req.Find(e.ctx, admin, requests.Filter{Limit: 50}))
	if len(list) != 4 {
		t.Fatalf("superadmin sees %d, want 4", len(list))
	}
	if _, err := e.req.Accept(e.ctx, streetScoped, list[0].ID, list[0].Version); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("accepting the district's request: %v, want ErrNotFound", err)
	}
	if _, _, err := e.req.Find(e.ctx, admin, requests.Filter{Queue: "bogus", Limit: 1}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("bad queue: %v", err)
	}
}
