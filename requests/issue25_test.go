package requests_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// inbox returns the kinds and bodies in a resident's inbox.
func (e *env) inbox(resident int64) []notify.InboxItem {
	e.t.Helper()
	items, _, err := e.svc.Notify.Inbox(e.ctx, resident, notify.InboxFilter{Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

func hasKind(items []notify.InboxItem, kind notify.SystemKind) bool {
	for _, it := range items {
		if it.Kind == string(kind) {
			return true
		}
	}
	return false
}

// TestMergeDuplicates: three residents report the same noise; the desk
// sees the others as candidates, merges them into the first, each
// resident is told, and the main request's answer answers all three.
func TestMergeDuplicates(t *testing.T) {
	e := newEnv(t)
	dept, other := e.department("城管"), e.department("住建")
	e.route("noise", "", dept)
	officer := e.member(&dept, []staff.Role{staff.RequestOfficer})
	outsider := e.member(&other, []staff.Role{staff.RequestOfficer})
	a, b, c := e.resident("a"), e.resident("b"), e.resident("c")
	main := e.submit(a, "noise", "华富街道")
	e.now = e.now.Add(2 * time.Hour)
	dup1 := e.submit(b, "noise", "华富街道")
	dup2 := e.submit(c, "noise", "华富街道")
	elsewhere := e.submit(c, "noise", "莲花街道")
	e.now = e.now.Add(8 * 24 * time.Hour)
	late := e.submit(c, "noise", "华富街道") // 8 days later: another matter

	cands := must(e.req.MergeCandidates(e.ctx, officer, main.ID))
	var ids []int64
	for _, c := range cands {
		ids = append(ids, c.ID)
	}
	if len(ids) != 2 || !(ids[0] == dup1.ID || ids[0] == dup2.ID) {
		t.Fatalf("candidates %v, want %d and %d", ids, dup1.ID, dup2.ID)
	}
	if _, err := e.req.MergeCandidates(e.ctx, outsider, main.ID); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("outsider's candidates: %v", err)
	}
	// Bad input names the field; nothing is written.
	for _, tc := range []struct {
		dups   []int64
		reason string
		field  string
	}{
		{[]int64{dup1.ID}, " ", "reason"},
		{nil, "同一噪音", "duplicate_ids"},
		{[]int64{dup1.ID, dup1.ID}, "同一噪音", "duplicate_ids[1]"},
		{[]int64{dup1.ID, elsewhere.ID}, "同一噪音", "duplicate_ids[1]"},
		{[]int64{late.ID}, "同一噪音", "duplicate_ids[0]"},
		{[]int64{main.ID}, "同一噪音", "duplicate_ids[0]"},
		{[]int64{999999}, "同一噪音", "duplicate_ids[0]"},
	} {
		_, err := e.req.Merge(e.ctx, officer, main.ID, tc.dups, tc.reason)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Fields[tc.field] == "" {
			t.Fatalf("merge %v %q: %v, want invalid_argument naming %s", tc.dups, tc.reason, err, tc.field)
		}
	}
	if v := must(e.req.FindForStaff(e.ctx, officer, dup1.ID)); v.Status != requests.StatusSubmitted {
		t.Fatalf("a refused merge changed %d: %s", dup1.ID, v.Status)
	}
	if _, err := e.req.Merge(e.ctx, outsider, main.ID, []int64{dup1.ID}, "x"); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("outsider's merge: %v", err)
	}

	mv := must(e.req.Merge(e.ctx, officer, main.ID, []int64{dup1.ID, dup2.ID}, "同一处工地夜间施工"))
	if last := mv.History[len(mv.History)-1]; last.Action != requests.ActMergedIn || !strings.Contains(last.Reason, "同一处工地夜间施工") {
		t.Fatalf("main's history: %+v", last)
	}
	d1 := must(e.req.Get(e.ctx, b, dup1.ID))
	if d1.Status != requests.StatusMerged || d1.MergedInto == nil || *d1.MergedInto != main.ID || !d1.DeadlineAt.Equal(main.DeadlineAt) {
		t.Fatalf("merged: %+v", d1)
	}
	if last := d1.History[len(d1.History)-1]; last.Action != requests.ActMerge {
		t.Fatalf("dup's history: %+v", last)
	}
	// The residents are told (a fixed text naming the numbers); the
	// merged request counts as open for them, not on the desk's queue.
	e.runJobs()
	for _, r := range []int64{b, c} {
		if !hasKind(e.inbox(r), notify.KindRequestMerged) {
			t.Fatalf("resident %d not told of the merge", r)
		}
	}
	if n := must(e.req.CountMine(e.ctx, b, requests.MineOpen)); n != 1 {
		t.Fatalf("b's open requests: %d", n)
	}
	queue, _ := must2(e.req.Find(e.ctx, officer, requests.Filter{Queue: requests.QueueOpen, Limit: 50}))
	for _, v := range queue {
		if v.ID == dup1.ID {
			t.Fatal("a merged request is on the desk's open queue")
		}
	}
	// A merged request is no main request, and cannot be merged again.
	if _, err := e.req.Merge(e.ctx, officer, dup1.ID, []int64{late.ID}, "x"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("merge into a merged one: %v", err)
	}
	// Unmerge dup2: back at the desk.
	u := must(e.req.Unmerge(e.ctx, officer, dup2.ID, "并非同一事项"))
	if u.Status != requests.StatusSubmitted || u.MergedInto != nil {
		t.Fatalf("unmerged: %+v", u)
	}
	if _, err := e.req.Unmerge(e.ctx, officer, dup2.ID, "again"); !errors.Is(err, requests.ErrWrongState) {
		t.Fatalf("unmerge twice: %v", err)
	}

	// The main request's answer answers dup1 too.
	acc := must(e.req.Accept(e.ctx, officer, main.ID, 0))
	must(e.req.Answer(e.ctx, officer, main.ID, requests.Answer{Version: acc.Version, Text: "已责令工地停止夜间施工"}))
	e.runJobs()
	d1 = must(e.req.Get(e.ctx, b, dup1.ID))
	if d1.Status != requests.StatusAnswered || d1.Answer != "已责令工地停止夜间施工" || !d1.CanRate {
		t.Fatalf("dup after the main's answer: %+v", d1)
	}
	if last := d1.History[len(d1.History)-1]; last.Action != requests.ActFollow {
		t.Fatalf("dup's last step: %+v", last)
	}
	if !hasKind(e.inbox(b), notify.KindRequestAnswered) {
		t.Fatal("b not told of the answer")
	}
	// dup2, unmerged, is not answered.
	if v := must(e.req.Get(e.ctx, c, dup2.ID)); v.Status != requests.StatusSubmitted {
		t.Fatalf("unmerged request answered: %s", v.Status)
	}
	// The resident rates their own request.
	if r := must(e.req.Rate(e.ctx, b, dup1.ID, 5, "", false)); r.Status != requests.StatusClosed {
		t.Fatalf("rated: %s", r.Status)
	}
}

// TestKnowledgeQuote: an answer quotes a published knowledge entry, which
// the resident sees as its reference; a draft or expired one is refused.
func TestKnowledgeQuote(t *testing.T) {
	e := newEnv(t)
	dept := e.department("政数局")
	e.route("consultation", "", dept)
	officer := e.member(&dept, []staff.Role{staff.RequestOfficer, staff.DeptAdmin})
	kb := e.svc.Knowledge // on e's clock, as every service
	past := "2026-10-31"
	pub := must(kb.Create(e.ctx, officer, knowledge.Input{Question: "居住证怎么办理？", Answer: "携带身份证和租赁合同到社区工作站办理。",
		Category: "consultation", Source: "《福田区12345事项分拨指引》", Status: knowledge.StatusPublished}))
	draft := must(kb.Create(e.ctx, officer, knowledge.Input{Question: "草稿", Answer: "草稿"}))
	old := must(kb.Create(e.ctx, officer, knowledge.Input{Question: "旧政策", Answer: "已过期", ValidUntil: &past, Status: knowledge.StatusPublished}))
	res := e.resident("a")
	v := e.submit(res, "consultation", "园岭街道")
	acc := must(e.req.Accept(e.ctx, officer, v.ID, v.Version))
	for _, id := range []int64{draft.ID, old.ID, 999999} {
		_, err := e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Version: acc.Version, Text: "见知识库", KnowledgeID: &id})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Fields["knowledge_id"] == "" {
			t.Fatalf("quote %d: %v, want invalid_argument naming knowledge_id", id, err)
		}
	}
	must(e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Version: acc.Version, Text: "请按知识库所述办理", KnowledgeID: &pub.ID}))
	got := must(e.req.Get(e.ctx, res, v.ID))
	if got.Knowledge == nil || got.Knowledge.ID != pub.ID || got.Knowledge.Question != "居住证怎么办理？" {
		t.Fatalf("resident's view: %+v", got.Knowledge)
	}
	// Residents find the published entry, not the draft or the expired one.
	hits := must(kb.Search(e.ctx, "居住证办理", "", 10))
	if len(hits) != 1 || hits[0].ID != pub.ID {
		t.Fatalf("search: %+v", hits)
	}
	if hits := must(kb.Search(e.ctx, "旧政策", "", 10)); len(hits) != 0 {
		t.Fatalf("expired entry found: %+v", hits)
	}
}

// TestReferralToEnterprise: a complaint about an enterprise with a bound
// member goes to it first; the member answers within the window and the
// request is back at the desk, which answers the resident; another
// referral ends unanswered when the window does.
func TestReferralToEnterprise(t *testing.T) {
	e := newEnv(t)
	dept := e.department("市场监管")
	e.route("noise", "", dept)
	officer := e.member(&dept, []staff.Role{staff.RequestOfficer, staff.CreditOfficer, staff.DeptAdmin})
	streetOfficer := e.member(&dept, []staff.Role{staff.RequestOfficer}, "莲花街道")
	const uscc = "914403001922038216"
	ent := must(e.svc.Enterprises.Create(e.ctx, officer, enterprises.NewEnterprise{USCC: uscc, Name: "噪音公司", Industry: "餐饮", Street: "华富街道"}))
	lonely := enterprises.CompleteUSCC("91440300MA5DC7X92")
	_, err := e.svc.Enterprises.Create(e.ctx, officer, enterprises.NewEnterprise{USCC: lonely, Name: "无人公司", Industry: "餐饮", Street: "华富街道"})
	if err != nil {
		t.Fatalf("second enterprise: %v", err)
	}
	boss, stranger, res := e.resident("boss"), e.resident("stranger"), e.resident("res")
	bnd, _ := must2(e.svc.Enterprises.RequestBinding(e.ctx, boss, uscc, "legal_rep"))
	must(e.svc.Enterprises.DecideBinding(e.ctx, officer, bnd.ID, true))
	_ = ent

	v := e.submit(res, "noise", "华富街道")
	// Before acceptance: not yet.
	if _, err := e.req.Refer(e.ctx, officer, v.ID, 0, uscc); !errors.Is(err, requests.ErrWrongState) {
		t.Fatalf("refer before accept: %v", err)
	}
	acc := must(e.req.Accept(e.ctx, officer, v.ID, v.Version))
	for _, tc := range []struct {
		code, field string
		who         *staff.Member
		want        string
	}{
		{"", "uscc", officer, apperr.Invalid},
		{"914403001922038217", "uscc", officer, apperr.Invalid}, // bad check digit
		{lonely, "uscc", officer, apperr.Invalid},               // nobody bound
		{uscc, "uscc", streetOfficer, ""},                       // the request is out of their scope: not found
	} {
		_, err := e.req.Refer(e.ctx, tc.who, v.ID, acc.Version, tc.code)
		if tc.want == "" {
			if !errors.Is(err, requests.ErrNotFound) {
				t.Fatalf("refer by a street officer: %v", err)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != tc.want || ae.Fields[tc.field] == "" {
			t.Fatalf("refer %q: %v, want %s naming %s", tc.code, err, tc.want, tc.field)
		}
	}
	ref := must(e.req.Refer(e.ctx, officer, v.ID, acc.Version, uscc))
	if ref.Status != requests.StatusWithEnterprise || ref.Referral == nil || ref.Referral.Outcome != requests.ReferralPending {
		t.Fatalf("referred: %+v", ref)
	}
	// Monday 10:00 + 2 working days: due when Wednesday ends; the
	// deadline (noise: 3 working days, end of Thursday) moves to the end
	// of the next Monday.
	if want := time.Date(2026, 11, 5, 0, 0, 0, 0, district.Zone); !ref.Referral.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s", ref.Referral.DueAt.In(district.Zone), want)
	}
	if want := time.Date(2026, 11, 10, 0, 0, 0, 0, district.Zone); !ref.DeadlineAt.Equal(want) || ref.DeadlineText != "11月9日（周一）前办结" {
		t.Fatalf("deadline %s %q", ref.DeadlineAt.In(district.Zone), ref.DeadlineText)
	}
	// The desk cannot answer while the enterprise has it.
	if _, err := e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Text: "x"}); !errors.Is(err, requests.ErrWrongState) {
		t.Fatalf("answer during the window: %v", err)
	}
	if _, err := e.req.Refer(e.ctx, officer, v.ID, 0, uscc); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("refer twice: %v", err)
	}
	e.runJobs()
	if !hasKind(e.inbox(boss), notify.KindEnterpriseReferral) {
		t.Fatal("the enterprise's member was not told")
	}
	if hasKind(e.inbox(res), notify.KindEnterpriseReferral) {
		t.Fatal("the complaining resident got the enterprise's notice")
	}
	// The member reads it (without the resident) and answers.
	if _, err := e.req.EnterpriseCases(e.ctx, stranger, uscc); !errors.Is(err, enterprises.ErrNotMember) {
		t.Fatalf("a stranger's list: %v", err)
	}
	cases := must(e.req.EnterpriseCases(e.ctx, boss, uscc))
	if len(cases) != 1 || cases[0].RequestID != v.ID || !cases[0].CanRespond || cases[0].Description != "路灯不亮" {
		t.Fatalf("cases: %+v", cases)
	}
	if _, err := e.req.Respond(e.ctx, boss, uscc, v.ID, true, " "); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("blank response: %v", err)
	}
	if _, err := e.req.Respond(e.ctx, stranger, uscc, v.ID, true, "已整改"); !errors.Is(err, enterprises.ErrNotMember) {
		t.Fatalf("a stranger's response: %v", err)
	}
	e.now = e.now.Add(24 * time.Hour)
	c := must(e.req.Respond(e.ctx, boss, uscc, v.ID, true, "已更换静音设备"))
	if c.Outcome != requests.ReferralResolved || c.CanRespond {
		t.Fatalf("responded: %+v", c)
	}
	if _, err := e.req.Respond(e.ctx, boss, uscc, v.ID, false, "再说一次"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second response: %v", err)
	}
	back := must(e.req.FindForStaff(e.ctx, officer, v.ID))
	if back.Status != requests.StatusAccepted || back.Referral.Response != "已更换静音设备" {
		t.Fatalf("back at the desk: %s %+v", back.Status, back.Referral)
	}
	if last := back.History[len(back.History)-1]; last.Action != requests.ActEnterpriseDone {
		t.Fatalf("history: %+v", last)
	}
	// The resident still gets the department's answer.
	must(e.req.Answer(e.ctx, officer, v.ID, requests.Answer{Version: back.Version, Text: "经核查，企业已整改"}))
	if got := must(e.req.Get(e.ctx, res, v.ID)); got.Status != requests.StatusAnswered {
		t.Fatalf("answered: %s", got.Status)
	}

	// A second request: the window ends unanswered.
	v2 := e.submit(res, "noise", "华富街道")
	acc2 := must(e.req.Accept(e.ctx, officer, v2.ID, v2.Version))
	r2 := must(e.req.Refer(e.ctx, officer, v2.ID, acc2.Version, uscc))
	if n := must(e.req.ExpireReferrals(e.ctx)); n != 0 {
		t.Fatalf("expired %d inside the window", n)
	}
	e.now = r2.Referral.DueAt
	if _, err := e.req.Respond(e.ctx, boss, uscc, v2.ID, true, "晚了"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("late response: %v", err)
	}
	if n := must(e.req.ExpireReferrals(e.ctx)); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	got := must(e.req.FindForStaff(e.ctx, officer, v2.ID))
	if got.Status != requests.StatusAccepted || got.Referral.Outcome != requests.ReferralExpired {
		t.Fatalf("after the window: %s %+v", got.Status, got.Referral)
	}
	if last := got.History[len(got.History)-1]; last.Action != requests.ActReferralExpire {
		t.Fatalf("history: %+v", last)
	}
	// Credit: nothing recorded by the referral itself.
	if n := e.count("credit_records"); n != 0 {
		t.Fatalf("%d credit records", n)
	}
}

func (e *env) count(table string) int64 {
	e.t.Helper()
	var n int64
	if err := e.req.DB().Table(table).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestImportHolidays: an .ics file's days are marked; replace drops the
// year's days the file does not name; a day the file cannot mark is
// reported.
func TestImportHolidays(t *testing.T) {
	e := newEnv(t)
	if n := must(e.req.SeedCalendar(e.ctx)); n != len(requests.OfficialHolidays) {
		t.Fatalf("seeded %d days", n)
	}
	if n := must(e.req.SeedCalendar(e.ctx)); n != 0 {
		t.Fatalf("seeded %d days again", n)
	}
	must(e.req.SaveHoliday(e.ctx, requests.Holiday{Day: "2027-05-03", Kind: requests.KindHoliday, Name: "旧"}))
	ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270102\r\nSUMMARY:元旦\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270104\r\nSUMMARY:补班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	hs := must(requests.ParseICS(strings.NewReader(ics)))
	res := must(e.req.ImportHolidays(e.ctx, hs, true))
	// 2027-01-04 is a Monday: marking it worked is refused.
	if res.Added != 1 || res.Removed != 1 || len(res.Skipped) != 1 || res.Skipped[0].Day != "2027-01-04" {
		t.Fatalf("import: %+v", res)
	}
	cal := must(e.req.Calendar(e.ctx))
	if cal["2027-01-01"] != requests.KindHoliday || cal["2027-05-03"] != "" || cal["2026-10-01"] != requests.KindHoliday {
		t.Fatalf("calendar after import: %v", cal)
	}
	if _, err := e.req.ImportHolidays(e.ctx, nil, false); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("empty import: %v", err)
	}
}
