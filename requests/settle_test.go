package requests_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

var errOutage = errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")

// flakyNotify fails its first fails sends.
type flakyNotify struct {
	next interface {
		SendDirect(context.Context, notify.DirectNotice) error
	}
	fails, calls int
}

func (f *flakyNotify) SendDirect(ctx context.Context, d notify.DirectNotice) error {
	if f.calls++; f.calls <= f.fails {
		return errOutage
	}
	return f.next.SendDirect(ctx, d)
}

// flakyPoints fails its first fails grants.
type flakyPoints struct {
	*points.Service
	fails, calls int
}

func (f *flakyPoints) Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error) {
	if f.calls++; f.calls <= f.fails {
		return nil, false, errOutage
	}
	return f.Service.Grant(ctx, by, req)
}

// TestSettleAfterOutage: the notices and the points a request's accept and
// verified answer leave to do fail at first (the notify module and the
// points ledger are down); the request's changes commit all the same, and
// the job queue does each effect later, exactly once.
func TestSettleAfterOutage(t *testing.T) {
	e := newEnv(t)
	dept := e.department("城管")
	e.route("street_vending", "", dept)
	if _, _, err := e.svc.Points.SaveRule(e.ctx, nil, points.Rule{Code: "verified_report", Name: "核实属实", Points: 20}); err != nil {
		t.Fatal(err)
	}
	notices := &flakyNotify{next: e.svc.Notify, fails: 2}
	ledger := &flakyPoints{Service: e.svc.Points, fails: 2}
	d := e.deps
	svc := requests.New(requests.Deps{DB: d.DB, Store: d.Store, Box: d.Box, Regions: d.Regions, Notify: notices, Points: ledger,
		Enterprises: e.svc.Enterprises, Staff: e.svc.Staff, Now: d.Now})
	q := jobs.New(d.DB, jobs.Config{Backoff: jobs.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	svc.RegisterJobs(q)

	res := e.resident("a")
	e.req = svc
	v := e.submit(res, "street_vending", "园岭街道")
	officer := e.member(&dept, []staff.Role{staff.Editor})
	a := must(svc.Accept(e.ctx, officer, v.ID, v.Version))
	ans := must(svc.Answer(e.ctx, officer, v.ID, requests.Answer{Version: a.Version, Text: "核实属实，已处理", Verified: true, PointsRule: "verified_report"}))
	noticed := func() (accept, answer bool) {
		var r struct{ AcceptNoticedAt, AnswerNoticedAt *time.Time }
		d.DB.Table("requests").Select("accept_noticed_at, answer_noticed_at").Where("id = ?", v.ID).Take(&r)
		return r.AcceptNoticedAt != nil, r.AnswerNoticedAt != nil
	}
	if acc, _ := noticed(); ans.Status != requests.StatusAnswered || ans.PointsOutcome != "pending" || acc {
		t.Fatalf("after the outage: %s, points %q, accept noticed %v; want answered, pending, not noticed", ans.Status, ans.PointsOutcome, acc)
	}

	for range 200 {
		if _, err := q.Work(e.ctx); err != nil {
			t.Fatal(err)
		}
		var open int64
		d.DB.Model(&jobs.Job{}).Where("status IN ?", []string{jobs.Queued, jobs.Running}).Count(&open)
		if open == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	var failed int64
	d.DB.Model(&jobs.Job{}).Where("status <> ?", jobs.Done).Count(&failed)
	if failed != 0 {
		t.Fatalf("%d settle jobs not done", failed)
	}
	id := strconv.FormatInt(v.ID, 10)
	for _, src := range []string{"request:" + id + ":accepted", "request:" + id + ":answered:0"} {
		var n int64
		d.DB.Table("notice_recipients r").Joins("JOIN notices n ON n.id = r.notice_id").
			Where("n.source = ? AND r.resident_id = ?", src, res).Count(&n)
		if n != 1 {
			t.Fatalf("notice %s reached the resident %d times, want once", src, n)
		}
	}
	var grants int64
	d.DB.Table("point_transactions").Where("resident_id = ? AND external_id = ?", res, "request:"+id).Count(&grants)
	got := must(svc.FindForStaff(e.ctx, officer, v.ID))
	if acc, answ := noticed(); grants != 1 || got.PointsOutcome != "granted" || !acc || !answ {
		t.Fatalf("%d grants, points %q, accept noticed %v, answer noticed %v", grants, got.PointsOutcome, acc, answ)
	}
	if notices.calls <= notices.fails || ledger.calls <= ledger.fails {
		t.Fatalf("the outage was not met: %d notice and %d grant calls", notices.calls, ledger.calls)
	}
}
