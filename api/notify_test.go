package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/wechat"
)

// noticeClock is the services' clock of a noticeEnv, stopped at a time
// the test sets.
type noticeClock struct{ c *clock.Adjustable }

func (c *noticeClock) now() time.Time  { return c.c.Now() }
func (c *noticeClock) set(t time.Time) { c.c.Set(t) }

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// noticeEnv is an env whose services run on a fixed clock, with an
// editor and a reviewer of e.dept.
type noticeEnv struct {
	*env
	clock    *noticeClock
	editor   string
	editorM  *staff.Member
	reviewer string
}

func newNoticeEnv(t *testing.T) *noticeEnv {
	e := newEnvDeps(t, dbtest.Open(t), longTokens, func(*Config) {})
	c := &noticeClock{e.clock}
	c.set(t0)
	ne := &noticeEnv{env: e, clock: c}
	ne.editor, ne.editorM = e.staffer([]staff.Role{staff.Editor})
	ne.reviewer, _ = e.staffer([]staff.Role{staff.Reviewer})
	return ne
}

// resident logs a resident in and sets their profile.
func (e *noticeEnv) residentWith(name string, profile map[string]any) (string, int64) {
	e.t.Helper()
	tok, id := e.resident(name)
	if len(profile) > 0 {
		wantStatus(e.t, e.do("PATCH", "/api/v1/me", tok, profile), http.StatusOK)
	}
	return tok, id
}

func (e *noticeEnv) notice(body map[string]any) map[string]any {
	n := map[string]any{
		"title": "流感疫苗接种通知", "body": "请到社区健康服务中心接种。", "category": "health",
		"audience": map[string]any{}, "publish_at": t0.Add(time.Hour).Format(time.RFC3339),
	}
	for k, v := range body {
		n[k] = v
	}
	return n
}

type noticeOut struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RejectReason string `json:"reject_reason"`
	Targeted     int64  `json:"targeted"`
}

// create makes a draft and returns its ID.
func (e *noticeEnv) create(body map[string]any) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(body))
	wantStatus(e.t, rec, http.StatusCreated)
	var n noticeOut
	decode(e.t, rec, &n)
	if n.Status != "draft" {
		e.t.Fatalf("status=%q, want draft", n.Status)
	}
	return n.ID
}

func (e *noticeEnv) step(token, id, step string, body any, status int) noticeOut {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/notices/"+id+"/"+step, token, body)
	wantStatus(e.t, rec, status)
	var n noticeOut
	if status == http.StatusOK {
		decode(e.t, rec, &n)
	}
	return n
}

// publish creates, submits and approves a notice and publishes it now.
func (e *noticeEnv) publish(body map[string]any) string {
	e.t.Helper()
	id := e.create(body)
	e.step(e.editor, id, "submit", nil, http.StatusOK)
	e.step(e.reviewer, id, "approve", nil, http.StatusOK)
	e.clock.set(e.clock.now().Add(2 * time.Hour))
	if _, err := e.notify.PublishDue(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return id
}

type inboxPage struct {
	Items []struct {
		ID         string     `json:"id"`
		Title      string     `json:"title"`
		Body       string     `json:"body"`
		Status     string     `json:"status"`
		Read       bool       `json:"read"`
		AckedAt    *time.Time `json:"acked_at"`
		RequireAck bool       `json:"require_ack"`
	} `json:"items"`
	NextPageToken string `json:"next_page_token"`
}

func (e *noticeEnv) inbox(token, query string) inboxPage {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/notices"+query, token, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var p inboxPage
	decode(e.t, rec, &p)
	return p
}

func (e *noticeEnv) unread(token string) int64 {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/notices/unread-count", token, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var out struct{ Count int64 }
	decode(e.t, rec, &out)
	return out.Count
}

func TestNoticeLifecycle(t *testing.T) {
	e := newNoticeEnv(t)
	in, inID := e.residentWith("lc-in", map[string]any{"street": "园岭街道"})
	out, _ := e.residentWith("lc-out", map[string]any{"street": "南园街道"})
	id := e.create(map[string]any{"audience": map[string]any{"streets": []string{"园岭街道"}}})

	// A draft and an approved-but-not-yet-due notice reach nobody.
	if n, _ := e.notify.PublishDue(context.Background()); n != 0 {
		t.Fatalf("published %d drafts", n)
	}
	e.step(e.reviewer, id, "approve", nil, http.StatusConflict) // not submitted yet
	if got := e.step(e.editor, id, "submit", nil, http.StatusOK).Status; got != "submitted" {
		t.Fatalf("status=%q, want submitted", got)
	}
	if got := e.step(e.reviewer, id, "approve", nil, http.StatusOK).Status; got != "approved" {
		t.Fatalf("status=%q, want approved", got)
	}
	e.step(e.reviewer, id, "approve", nil, http.StatusConflict)
	if n, _ := e.notify.PublishDue(context.Background()); n != 0 {
		t.Fatalf("published %d before publish_at", n)
	}
	if got := e.inbox(in, "").Items; len(got) != 0 {
		t.Fatalf("inbox before publish_at: %+v", got)
	}

	e.clock.set(t0.Add(time.Hour))
	if n, err := e.notify.PublishDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("PublishDue=%d, %v; want 1", n, err)
	}
	if n, _ := e.notify.PublishDue(context.Background()); n != 0 {
		t.Fatalf("published again: %d", n)
	}
	if got := e.inbox(in, "").Items; len(got) != 1 || got[0].ID != id {
		t.Fatalf("inbox=%+v, want notice %s", got, id)
	}
	if got := e.inbox(out, "").Items; len(got) != 0 {
		t.Fatalf("outsider's inbox=%+v", got)
	}
	wantError(t, e.do("GET", "/api/v1/notices/"+id, out, nil), http.StatusNotFound, "not_found", "")

	rec := e.do("GET", "/api/v1/admin/notices/"+id, e.reviewer, nil)
	wantStatus(t, rec, http.StatusOK)
	var detail struct {
		Notice noticeOut `json:"notice"`
		Events []struct {
			Action  string `json:"action"`
			ActorID string `json:"actor_id"`
		} `json:"events"`
	}
	decode(t, rec, &detail)
	var actions []string
	for _, ev := range detail.Events {
		actions = append(actions, ev.Action)
	}
	if want := []string{"created", "submitted", "approved", "published"}; !slices.Equal(actions, want) {
		t.Fatalf("events=%v, want %v", actions, want)
	}
	if detail.Events[0].ActorID != strconv.FormatInt(e.editorM.ID, 10) || detail.Notice.Targeted != 1 || detail.Notice.Status != "published" {
		t.Fatalf("detail=%+v", detail)
	}
	_ = inID

	// The console lists the department's notices.
	rec = e.do("GET", "/api/v1/admin/notices?status=published", e.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	var list struct{ Items []noticeOut }
	decode(t, rec, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id {
		t.Fatalf("list=%+v", list.Items)
	}
}

func TestNoticeReview(t *testing.T) {
	e := newNoticeEnv(t)
	both, _ := e.staffer([]staff.Role{staff.Editor, staff.Reviewer})

	t.Run("AuthorCannotApprove", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/notices", both, e.notice(nil))
		wantStatus(t, rec, http.StatusCreated)
		var n noticeOut
		decode(t, rec, &n)
		e.step(both, n.ID, "submit", nil, http.StatusOK)
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+n.ID+"/approve", both, nil), http.StatusForbidden, "permission_denied", "")
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+n.ID+"/reject", both, map[string]string{"reason": "x"}), http.StatusForbidden, "permission_denied", "")
		e.step(e.reviewer, n.ID, "approve", nil, http.StatusOK)
	})
	t.Run("EditorCannotApprove", func(t *testing.T) {
		id := e.create(nil)
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		other, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/approve", other, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("OtherDepartment", func(t *testing.T) {
		id := e.create(nil)
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		mine := e.dept
		e.dept = e.otherDepartment()
		otherRev, _ := e.staffer([]staff.Role{staff.Reviewer})
		otherEd, _ := e.staffer([]staff.Role{staff.Editor})
		e.dept = mine
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/approve", otherRev, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/withdraw", otherEd, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", otherRev, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/admin/notices/"+id, otherRev, nil), http.StatusNotFound, "not_found", "")
	})
	t.Run("RejectNeedsReason", func(t *testing.T) {
		id := e.create(nil)
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		before := e.count("notice_events")
		wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/reject", e.reviewer, map[string]string{"reason": " "}), http.StatusBadRequest, "invalid_argument", "reason")
		if e.count("notice_events") != before {
			t.Fatal("a refused rejection was recorded")
		}
		n := e.step(e.reviewer, id, "reject", map[string]string{"reason": "时间有误"}, http.StatusOK)
		if n.Status != "rejected" || n.RejectReason != "时间有误" {
			t.Fatalf("after reject: %+v", n)
		}
		// Back with the author, who may submit again.
		e.step(e.reviewer, id, "approve", nil, http.StatusConflict)
		if n := e.step(e.editor, id, "submit", nil, http.StatusOK); n.Status != "submitted" || n.RejectReason != "" {
			t.Fatalf("after resubmit: %+v", n)
		}
	})
	t.Run("UnknownNotice", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/notices/999999/submit", e.editor, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", "/api/v1/admin/notices/abc/approve", e.reviewer, nil), http.StatusNotFound, "not_found", "")
	})
	t.Run("ResidentForbidden", func(t *testing.T) {
		tok, _ := e.resident("review-res")
		wantError(t, e.do("POST", "/api/v1/admin/notices", tok, e.notice(nil)), http.StatusForbidden, "permission_denied", "")
		reviewerOnly, _ := e.staffer([]staff.Role{staff.Reviewer})
		wantError(t, e.do("POST", "/api/v1/admin/notices", reviewerOnly, e.notice(nil)), http.StatusForbidden, "permission_denied", "")
	})
}

func TestNoticeCreateBadInput(t *testing.T) {
	e := newNoticeEnv(t)
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"NoTitle", map[string]any{"title": ""}, "title"},
		{"BadCategory", map[string]any{"category": "gossip"}, "category"},
		{"BadPublishAt", map[string]any{"publish_at": "tomorrow"}, "publish_at"},
		{"ExpiresBeforePublish", map[string]any{"expires_at": t0.Format(time.RFC3339)}, "expires_at"},
		{"UnknownStreet", map[string]any{"audience": map[string]any{"streets": []string{"火星街道"}}}, "audience.streets"},
		{"BadAge", map[string]any{"audience": map[string]any{"age_min": 70, "age_max": 60}}, "audience.age_max"},
		{"BadGrade", map[string]any{"audience": map[string]any{"enterprise_grades": []string{"E"}}}, "audience.enterprise_grades"},
		{"BadResidentID", map[string]any{"audience": map[string]any{"resident_ids": []string{"x"}}}, "audience.resident_ids"},
		{"BadTemplate", map[string]any{"subscribe": map[string]any{"template_id": "", "data": map[string]string{"thing1": "a"}}}, "subscribe.template_id"},
		{"NoTemplateData", map[string]any{"subscribe": map[string]any{"template_id": "T1"}}, "subscribe.data"},
		{"WrongType", map[string]any{"require_ack": "yes"}, "require_ack"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(c.body)), http.StatusBadRequest, "invalid_argument", c.field)
		})
	}
	if n := e.count("notices"); n != 0 {
		t.Fatalf("%d notices written by bad requests", n)
	}
	wantError(t, e.do("POST", "/api/v1/admin/notices/audience-preview", e.editor, map[string]any{"audience": map[string]any{"communities": []string{"无名社区"}}}),
		http.StatusBadRequest, "invalid_argument", "audience.communities")
}

func TestNoticeStreetScope(t *testing.T) {
	e := newNoticeEnv(t)
	scoped, _ := e.staffer([]staff.Role{staff.Editor}, "园岭街道")
	ok := e.notice(map[string]any{"audience": map[string]any{"streets": []string{"园岭街道"}, "communities": []string{"园东社区"}}})
	wantStatus(t, e.do("POST", "/api/v1/admin/notices", scoped, ok), http.StatusCreated)
	for name, aud := range map[string]map[string]any{
		"Everyone":        {},
		"OtherStreet":     {"streets": []string{"南园街道"}},
		"OtherCommunity":  {"streets": []string{"园岭街道"}, "communities": []string{"东园社区"}},
		"OnlyResidentIDs": {"resident_ids": []string{"1"}},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.count("notices")
			wantError(t, e.do("POST", "/api/v1/admin/notices", scoped, e.notice(map[string]any{"audience": aud})), http.StatusForbidden, "permission_denied", "")
			wantError(t, e.do("POST", "/api/v1/admin/notices/audience-preview", scoped, map[string]any{"audience": aud}), http.StatusForbidden, "permission_denied", "")
			if e.count("notices") != before {
				t.Fatal("refused notice written")
			}
		})
	}
	// A department-wide notice is not a street-scoped editor's: it answers as a missing one.
	id := e.create(nil)
	wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/submit", scoped, nil), http.StatusNotFound, "not_found", "")
}

// TestNoticeAudienceTruthTable checks that fields AND and values OR, for
// the preview count (stated from notify.PreviewFloor up) and for who
// receives a published notice. (Named residents can't be combined with
// other fields: notify_preview_test.go.)
func TestNoticeAudienceTruthTable(t *testing.T) {
	e := newNoticeEnv(t)
	year := t0.In(district.Zone).Year()
	type person struct {
		name    string
		profile map[string]any
		grade   string // of the enterprise they are bound to ("" none)
		ind     string
	}
	people := []person{
		{"a", map[string]any{"street": "园岭街道", "community": "园东社区", "birth_year": year - 65, "tags": []string{"党员"}}, "A", "制造业"},
		{"b", map[string]any{"street": "园岭街道", "community": "红荔社区", "birth_year": year - 30, "tags": []string{"志愿者"}}, "C", "餐饮"},
		{"c", map[string]any{"street": "南园街道", "community": "东园社区", "birth_year": year - 70}, "", ""},
		{"d", map[string]any{"street": "福田街道", "community": "福田社区", "birth_year": year - 60, "tags": []string{"党员", "志愿者"}}, "B", "制造业"},
		{"e", map[string]any{}, "", ""},
	}
	ids := map[string]int64{}
	for i, p := range people {
		_, id := e.residentWith("tt-"+p.name, p.profile)
		ids[p.name] = id
		if p.grade != "" {
			now := time.Now().UTC()
			ent := int64(1000 + i)
			if err := e.db.Exec("INSERT INTO enterprises (id, uscc, name, industry, street, grade, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)",
				ent, fmt.Sprintf("91440300MA5F%06d", i), "企业"+p.name, p.ind, p.grade, now, now).Error; err != nil {
				t.Fatal(err)
			}
			if err := e.db.Exec("INSERT INTO enterprise_bindings (enterprise_id, resident_id, role, status, created_at) VALUES (?, ?, 'agent', 'approved', ?)",
				ent, id, now).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	// A pending binding doesn't count.
	now := time.Now().UTC()
	e.db.Exec("INSERT INTO enterprise_bindings (enterprise_id, resident_id, role, status, created_at) VALUES (1000, ?, 'agent', 'pending', ?)", ids["c"], now)
	// Credit records (issue 29): b's enterprise a counting general penalty,
	// d's a counting serious complaint, a's a penalty no longer counting.
	at := e.clock.now().UTC()
	for _, r := range []struct {
		ent               int64
		kind, severity    string
		occurred, expires time.Time
	}{
		{1001, "penalty", "general", at.AddDate(0, -1, 0), at.AddDate(0, 6, 0)},
		{1003, "complaint", "serious", at.AddDate(0, -1, 0), at.AddDate(1, 0, 0)},
		{1000, "penalty", "minor", at.AddDate(0, -4, 0), at.AddDate(0, -1, 0)},
	} {
		if err := e.db.Exec("INSERT INTO credit_records (enterprise_id, kind, severity, occurred_at, expires_at, staff_id, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
			r.ent, r.kind, r.severity, r.occurred, r.expires, r.occurred).Error; err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		name     string
		audience map[string]any
		want     []string
	}{
		{"Everyone", map[string]any{}, []string{"a", "b", "c", "d", "e"}},
		{"OneStreet", map[string]any{"streets": []string{"园岭街道"}}, []string{"a", "b"}},
		{"TwoStreetsOR", map[string]any{"streets": []string{"园岭街道", "南园街道"}}, []string{"a", "b", "c"}},
		{"StreetANDCommunity", map[string]any{"streets": []string{"园岭街道"}, "communities": []string{"红荔社区", "东园社区"}}, []string{"b"}},
		{"Over60InTwoStreets", map[string]any{"streets": []string{"园岭街道", "南园街道"}, "age_min": 60}, []string{"a", "c"}},
		{"AgeRange", map[string]any{"age_min": 60, "age_max": 65}, []string{"a", "d"}},
		{"TagsOR", map[string]any{"tags": []string{"党员", "志愿者"}}, []string{"a", "b", "d"}},
		{"TagANDAge", map[string]any{"tags": []string{"志愿者"}, "age_min": 50}, []string{"d"}},
		{"Grades", map[string]any{"enterprise_grades": []string{"A", "B"}}, []string{"a", "d"}},
		{"Industry", map[string]any{"enterprise_industries": []string{"餐饮"}}, []string{"b"}},
		{"GradeANDIndustry", map[string]any{"enterprise_grades": []string{"A", "C"}, "enterprise_industries": []string{"制造业"}}, []string{"a"}},
		{"RecordKind", map[string]any{"enterprise_record_kinds": []string{"penalty"}}, []string{"b"}},
		{"RecordKindsOR", map[string]any{"enterprise_record_kinds": []string{"penalty", "complaint"}}, []string{"b", "d"}},
		{"RecordKindAndSeverity", map[string]any{"enterprise_record_kinds": []string{"penalty", "complaint"}, "enterprise_record_severities": []string{"serious"}}, []string{"d"}},
		{"RecordKindANDIndustry", map[string]any{"enterprise_record_kinds": []string{"penalty", "complaint"}, "enterprise_industries": []string{"餐饮"}}, []string{"b"}},
		{"ResidentIDs", map[string]any{"resident_ids": []string{strconv.FormatInt(ids["c"], 10), strconv.FormatInt(ids["e"], 10)}}, []string{"c", "e"}},
		{"Nobody", map[string]any{"streets": []string{"南园街道"}, "tags": []string{"党员"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := e.do("POST", "/api/v1/admin/notices/audience-preview", e.editor, map[string]any{"audience": c.audience})
			wantStatus(t, rec, http.StatusOK)
			var p struct {
				Count          *int64 `json:"count"`
				CountFewerThan int64  `json:"count_fewer_than"`
			}
			decode(t, rec, &p)
			if n := int64(len(c.want)); n >= notify.PreviewFloor && (p.Count == nil || *p.Count != n) ||
				n < notify.PreviewFloor && (p.Count != nil || p.CountFewerThan != notify.PreviewFloor) {
				t.Fatalf("preview %s, want %d stated from %d up", rec.Body.String(), n, notify.PreviewFloor)
			}
			id := e.publish(map[string]any{"title": c.name, "audience": c.audience, "publish_at": e.clock.now().Add(time.Hour).Format(time.RFC3339)})
			var got []string
			for _, p := range people {
				var n int64
				e.db.Table("notice_recipients").Where("notice_id = ? AND resident_id = ?", id, ids[p.name]).Count(&n)
				if n > 0 {
					got = append(got, p.name)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("recipients=%v, want %v", got, c.want)
			}
		})
	}
}

// TestInboxOrder: newest first means by publication, not by creation.
func TestInboxOrder(t *testing.T) {
	e := newNoticeEnv(t)
	tok, _ := e.resident("order")
	approve := func(title string, publishAt time.Duration) string {
		id := e.create(map[string]any{"title": title, "publish_at": e.clock.now().Add(publishAt).Format(time.RFC3339)})
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		e.step(e.reviewer, id, "approve", nil, http.StatusOK)
		return id
	}
	later := approve("后发布", 2*time.Hour)
	sooner := approve("先发布", time.Hour)
	for range 2 {
		e.clock.set(e.clock.now().Add(90 * time.Minute))
		if _, err := e.notify.PublishDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	first := e.inbox(tok, "?page_size=1")
	rest := e.inbox(tok, "?page_size=1&page_token="+first.NextPageToken)
	if len(first.Items) != 1 || len(rest.Items) != 1 || first.Items[0].ID != later || rest.Items[0].ID != sooner || rest.NextPageToken != "" {
		t.Fatalf("pages %+v then %+v, want %s then %s", first, rest, later, sooner)
	}
}

func TestInbox(t *testing.T) {
	e := newNoticeEnv(t)
	tok, _ := e.residentWith("ib", map[string]any{"street": "园岭街道"})
	other, _ := e.resident("ib-other")
	first := e.publish(map[string]any{"title": "一", "audience": map[string]any{"streets": []string{"园岭街道"}}})
	second := e.publish(map[string]any{"title": "二", "require_ack": true, "audience": map[string]any{"streets": []string{"园岭街道"}}})
	third := e.publish(map[string]any{"title": "三", "audience": map[string]any{"streets": []string{"园岭街道"}},
		"publish_at": e.clock.now().Add(time.Hour).Format(time.RFC3339), "expires_at": e.clock.now().Add(3 * time.Hour).Format(time.RFC3339)})

	t.Run("NewestFirstPaged", func(t *testing.T) {
		var got []string
		token := ""
		for range 5 {
			p := e.inbox(tok, "?page_size=2&page_token="+token)
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if token = p.NextPageToken; token == "" {
				break
			}
		}
		if want := []string{third, second, first}; !slices.Equal(got, want) {
			t.Fatalf("inbox=%v, want %v", got, want)
		}
		wantError(t, e.do("GET", "/api/v1/notices?page_token=zzz", tok, nil), http.StatusBadRequest, "invalid_argument", "page_token")
		wantError(t, e.do("GET", "/api/v1/notices?unread=maybe", tok, nil), http.StatusBadRequest, "invalid_argument", "unread")
	})
	t.Run("ReadOnOpen", func(t *testing.T) {
		if n := e.unread(tok); n != 3 {
			t.Fatalf("unread=%d, want 3", n)
		}
		rec := e.do("GET", "/api/v1/notices/"+first, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if n := e.unread(tok); n != 2 {
			t.Fatalf("unread=%d, want 2", n)
		}
		p := e.inbox(tok, "?unread=true")
		if len(p.Items) != 2 || slices.ContainsFunc(p.Items, func(it struct {
			ID         string     `json:"id"`
			Title      string     `json:"title"`
			Body       string     `json:"body"`
			Status     string     `json:"status"`
			Read       bool       `json:"read"`
			AckedAt    *time.Time `json:"acked_at"`
			RequireAck bool       `json:"require_ack"`
		}) bool {
			return it.ID == first
		}) {
			t.Fatalf("unread inbox=%+v", p.Items)
		}
		// Someone else's notice stays theirs.
		wantError(t, e.do("GET", "/api/v1/notices/"+first, other, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("GET", "/api/v1/notices/0", tok, nil), http.StatusNotFound, "not_found", "")
		if e.unread(other) != 0 {
			t.Fatal("other resident has unread notices")
		}
	})
	t.Run("Ack", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/notices/"+first+"/ack", tok, nil), http.StatusConflict, "conflict", "")
		wantError(t, e.do("POST", "/api/v1/notices/"+second+"/ack", other, nil), http.StatusNotFound, "not_found", "")
		rec := e.do("POST", "/api/v1/notices/"+second+"/ack", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		wantStatus(t, e.do("POST", "/api/v1/notices/"+second+"/ack", tok, nil), http.StatusOK)
		var st struct{ Targeted, Read, Acked int64 }
		decode(t, e.do("GET", "/api/v1/admin/notices/"+second+"/stats", e.reviewer, nil), &st)
		if st.Targeted != 1 || st.Read != 1 || st.Acked != 1 {
			t.Fatalf("stats=%+v", st)
		}
	})
	t.Run("ExpiredLeaves", func(t *testing.T) {
		e.clock.set(e.clock.now().Add(4 * time.Hour))
		p := e.inbox(tok, "")
		if len(p.Items) != 2 || p.Items[0].ID != second {
			t.Fatalf("inbox after expiry=%+v", p.Items)
		}
		if n := e.unread(tok); n != 0 {
			t.Fatalf("unread=%d, want 0", n)
		}
	})
	t.Run("StaffForbidden", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/notices", e.editor, nil), http.StatusForbidden, "permission_denied", "")
	})
}

// TestNoticeFrozenAudience checks that the audience is fixed at
// publication and a withdrawal reaches exactly the original recipients.
func TestNoticeFrozenAudience(t *testing.T) {
	e := newNoticeEnv(t)
	a, _ := e.residentWith("fz-a", map[string]any{"street": "园岭街道"})
	b, _ := e.residentWith("fz-b", map[string]any{"street": "园岭街道"})
	id := e.publish(map[string]any{"audience": map[string]any{"streets": []string{"园岭街道"}}})
	late, _ := e.residentWith("fz-late", map[string]any{"street": "园岭街道"})
	// b moves away: still a recipient.
	wantStatus(t, e.do("PATCH", "/api/v1/me", b, map[string]any{"street": "南园街道"}), http.StatusOK)

	stats := func() (targeted int64) {
		rec := e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.editor, nil)
		wantStatus(t, rec, http.StatusOK)
		var st struct {
			Targeted int64
			ByStreet []struct {
				Street   string
				Targeted int64
			} `json:"by_street"`
		}
		decode(t, rec, &st)
		if len(st.ByStreet) != 1 || st.ByStreet[0].Street != "园岭街道" || st.ByStreet[0].Targeted != 2 {
			t.Fatalf("by_street=%+v", st.ByStreet)
		}
		return st.Targeted
	}
	if got := stats(); got != 2 {
		t.Fatalf("targeted=%d, want 2", got)
	}
	wantError(t, e.do("GET", "/api/v1/notices/"+id, late, nil), http.StatusNotFound, "not_found", "")
	if len(e.inbox(b, "").Items) != 1 {
		t.Fatal("b lost the notice by moving")
	}

	wantError(t, e.do("POST", "/api/v1/admin/notices/"+id+"/withdraw", e.reviewer, nil), http.StatusForbidden, "permission_denied", "")
	if n := e.step(e.editor, id, "withdraw", map[string]string{"reason": "内容有误"}, http.StatusOK); n.Status != "withdrawn" {
		t.Fatalf("status=%q", n.Status)
	}
	e.step(e.editor, id, "withdraw", nil, http.StatusConflict)
	for _, tok := range []string{a, b} {
		p := e.inbox(tok, "")
		if len(p.Items) != 1 || p.Items[0].Status != "withdrawn" || p.Items[0].Body != "" {
			t.Fatalf("inbox after withdrawal=%+v", p.Items)
		}
		if e.unread(tok) != 0 {
			t.Fatal("a withdrawn notice counts as unread")
		}
	}
	if len(e.inbox(late, "").Items) != 0 {
		t.Fatal("the withdrawal reached a resident who never got the notice")
	}
	if got := stats(); got != 2 {
		t.Fatalf("targeted after withdrawal=%d, want 2", got)
	}
}

func TestSubscriptions(t *testing.T) {
	e := newNoticeEnv(t)
	tok, _ := e.resident("sub")
	other, _ := e.resident("sub-other")
	save := func(tok string, results map[string]string) []notify.Quota {
		t.Helper()
		rec := e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": results})
		wantStatus(t, rec, http.StatusOK)
		var out struct{ Items []notify.Quota }
		decode(t, rec, &out)
		return out.Items
	}
	save(tok, map[string]string{"TPL_A": "accept", "TPL_B": "accept"})
	got := save(tok, map[string]string{"TPL_A": "accept", "TPL_B": "reject", "TPL_C": "filter"})
	if want := []notify.Quota{{TemplateID: "TPL_A", Quota: 2}, {TemplateID: "TPL_B", Quota: 0}}; !slices.Equal(got, want) {
		t.Fatalf("quotas=%+v, want %+v", got, want)
	}
	save(tok, map[string]string{"TPL_A": "ban"})
	rec := e.do("GET", "/api/v1/me/subscriptions", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct{ Items []notify.Quota }
	decode(t, rec, &out)
	if out.Items[0].Quota != 0 {
		t.Fatalf("after ban: %+v", out.Items)
	}
	if n := e.count("subscription_events"); n != 6 {
		t.Fatalf("consent ledger has %d entries, want 6", n)
	}
	rec = e.do("GET", "/api/v1/me/subscriptions", other, nil)
	decode(t, rec, &out)
	if len(out.Items) != 0 {
		t.Fatalf("other resident sees %+v", out.Items)
	}

	for name, body := range map[string]any{
		"BadResult": map[string]any{"results": map[string]string{"TPL_A": "maybe"}},
		"BadID":     map[string]any{"results": map[string]string{"bad id!": "accept"}},
		"Empty":     map[string]any{"results": map[string]string{}},
		"WrongType": map[string]any{"results": []string{"x"}},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.count("subscription_events")
			wantError(t, e.do("POST", "/api/v1/me/subscriptions", tok, body), http.StatusBadRequest, "invalid_argument", "results")
			if e.count("subscription_events") != before {
				t.Fatal("a bad request was recorded")
			}
		})
	}
	wantError(t, e.do("POST", "/api/v1/me/subscriptions", e.editor, map[string]any{"results": map[string]string{"T": "accept"}}),
		http.StatusForbidden, "permission_denied", "")

	t.Run("ConcurrentAccepts", func(t *testing.T) {
		_, id := e.resident("sub-many")
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := e.notify.SaveSubscriptions(context.Background(), id, map[string]string{"TPL_X": "accept", "TPL_Y": "accept"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		qs, _ := e.notify.Quotas(context.Background(), id)
		if want := []notify.Quota{{TemplateID: "TPL_X", Quota: 20}, {TemplateID: "TPL_Y", Quota: 20}}; !slices.Equal(qs, want) {
			t.Fatalf("quotas=%+v, want %+v", qs, want)
		}
	})
}

// TestNoticeWeChat publishes a notice with a subscribe message: one send
// per recipient with quota, the quota spent at once, each delivered once
// by a fake WeChat that fails every third call.
func TestNoticeWeChat(t *testing.T) {
	e := newNoticeEnv(t)
	tpl := "TPL_WX_" + strconv.FormatInt(appSeq.Add(1), 10)
	var withQuota []string
	for i := range 9 {
		tok, _ := e.residentWith(fmt.Sprintf("wx%d-%s", i, tpl), map[string]any{"street": "园岭街道"})
		if i%3 != 0 {
			wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
			withQuota = append(withQuota, fmt.Sprintf("mock_wx%d-%s", i, tpl))
		}
	}
	aud := map[string]any{"streets": []string{"园岭街道"}}
	rec := e.do("POST", "/api/v1/admin/notices/audience-preview", e.editor, map[string]any{"audience": aud, "template_id": tpl})
	wantStatus(t, rec, http.StatusOK)
	var p struct {
		Count           int64 `json:"count"`
		WeChatReachable int64 `json:"wechat_reachable"`
	}
	decode(t, rec, &p)
	if p.Count != 9 || p.WeChatReachable != 6 {
		t.Fatalf("preview=%+v, want 9 and 6", p)
	}

	id := e.publish(map[string]any{"audience": aud, "subscribe": map[string]any{
		"template_id": tpl, "page": "pages/notice/index", "data": map[string]string{"thing1": "流感疫苗", "time2": "3月3日"}}})
	var left int64
	e.db.Table("subscription_quotas").Where("template_id = ?", tpl).Select("COALESCE(SUM(remaining), 0)").Scan(&left)
	if e.count("notice_sends") != 6 || left != 0 {
		t.Fatalf("sends=%d, quota left=%d; want 6 and 0", e.count("notice_sends"), left)
	}

	fakeWeChat.SetFaults(wechat.Faults{FailEvery: 3, ErrCode: 500})
	defer fakeWeChat.SetFaults(wechat.Faults{})
	client := wechat.New(wechat.Config{AppID: "wxnotify" + strconv.FormatInt(appSeq.Add(1), 10), AppSecret: "s"})
	d := e.notify.NewDeliverer(client, notify.DeliveryConfig{Rate: 1000, Batch: 4, Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
	for range 100 {
		if _, err := d.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.clock.set(e.clock.now().Add(time.Second)) // past every backoff
		var pending int64
		e.db.Table("notice_sends").Where("due_at IS NOT NULL").Count(&pending)
		if pending == 0 {
			break
		}
	}
	got := map[string]int{}
	for _, m := range fakeWeChat.Messages() {
		if m.TemplateID == tpl {
			got[m.OpenID]++
			// The page is the server's (the notice), not the one typed.
			if m.Data["thing1"] != "流感疫苗" || m.Page != "pages/notices/detail?id="+id {
				t.Fatalf("message=%+v", m)
			}
		}
	}
	if len(got) != len(withQuota) {
		t.Fatalf("delivered to %v, want %v", got, withQuota)
	}
	for _, o := range withQuota {
		if got[o] != 1 {
			t.Fatalf("%s got %d messages, want 1", o, got[o])
		}
	}
	var st struct {
		Targeted int64
		WeChat   struct {
			Sent, Failed, Pending int64
			NoQuota               int64 `json:"no_quota"`
		}
	}
	decode(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.reviewer, nil), &st)
	if st.Targeted != 9 || st.WeChat.Sent != 6 || st.WeChat.Pending != 0 || st.WeChat.Failed != 0 {
		t.Fatalf("stats=%+v", st)
	}
}

// TestNoticeWeChatNoQuota checks that 43101 is final: recorded, never retried.
func TestNoticeWeChatNoQuota(t *testing.T) {
	e := newNoticeEnv(t)
	tpl := "TPL_NQ_" + strconv.FormatInt(appSeq.Add(1), 10)
	tok, rid := e.resident("nq-" + tpl)
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
	id := e.publish(map[string]any{"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "x"}}})
	fakeWeChat.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 43101})
	defer fakeWeChat.SetFaults(wechat.Faults{})
	client := wechat.New(wechat.Config{AppID: "wxnotify" + strconv.FormatInt(appSeq.Add(1), 10), AppSecret: "s"})
	d := e.notify.NewDeliverer(client, notify.DeliveryConfig{Rate: 1000, Backoff: time.Millisecond})
	for range 3 {
		d.DeliverOnce(context.Background())
		e.clock.set(e.clock.now().Add(time.Minute))
	}
	var st struct {
		WeChat struct {
			NoQuota int64 `json:"no_quota"`
			Pending int64
		}
	}
	decode(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.reviewer, nil), &st)
	if st.WeChat.NoQuota != 1 || st.WeChat.Pending != 0 {
		t.Fatalf("stats=%+v", st)
	}
	qs, _ := e.notify.Quotas(context.Background(), rid)
	if len(qs) != 1 || qs[0].Quota != 0 {
		t.Fatalf("quota after 43101=%+v, want 0", qs)
	}
}

// TestNoticeWithdrawCancelsSends checks that a withdrawal cancels sends not
// yet made and gives the consent back.
func TestNoticeWithdrawCancelsSends(t *testing.T) {
	e := newNoticeEnv(t)
	tpl := "TPL_WD_" + strconv.FormatInt(appSeq.Add(1), 10)
	tok, rid := e.resident("wd-" + tpl)
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
	id := e.publish(map[string]any{"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "x"}}})
	if qs, _ := e.notify.Quotas(context.Background(), rid); qs[0].Quota != 0 {
		t.Fatalf("quota not spent: %+v", qs)
	}
	e.step(e.editor, id, "withdraw", nil, http.StatusOK)
	if qs, _ := e.notify.Quotas(context.Background(), rid); qs[0].Quota != 1 {
		t.Fatalf("quota not returned: %+v", qs)
	}
	var st struct {
		WeChat struct{ Pending, Cancelled int64 }
	}
	decode(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.editor, nil), &st)
	if st.WeChat.Pending != 0 || st.WeChat.Cancelled != 1 {
		t.Fatalf("stats=%+v", st)
	}
}

// TestNoticeConcurrentPublish runs many publishers at once: each notice is
// published once, its recipients exactly its audience, each quota spent once.
func TestNoticeConcurrentPublish(t *testing.T) {
	e := newNoticeEnv(t)
	tpl := "TPL_CP"
	for i := range 10 {
		tok, _ := e.resident(fmt.Sprintf("cp%d", i))
		wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{tpl: "accept"}}), http.StatusOK)
	}
	var ids []string
	for range 3 {
		id := e.create(map[string]any{"subscribe": map[string]any{"template_id": tpl, "data": map[string]string{"thing1": "x"}}})
		e.step(e.editor, id, "submit", nil, http.StatusOK)
		e.step(e.reviewer, id, "approve", nil, http.StatusOK)
		ids = append(ids, id)
	}
	e.clock.set(t0.Add(2 * time.Hour))
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Go(func() {
			n, err := e.notify.PublishDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 3 || e.count("notice_recipients") != 30 {
		t.Fatalf("published %d, recipients %d; want 3 and 30", total, e.count("notice_recipients"))
	}
	// Each resident had one consent: exactly one of the three notices sends to each.
	if n := e.count("notice_sends"); n != 10 {
		t.Fatalf("sends=%d, want 10", n)
	}
}

func TestSendDirect(t *testing.T) {
	e := newNoticeEnv(t)
	tok, id := e.resident("direct")
	_, other := e.resident("direct-other")
	ctx := context.Background()
	d := notify.DirectNotice{Title: "您的企业符合惠企政策", Body: "详见…", Category: "policy", ResidentIDs: []int64{id, id, 999999}, Source: "benefit:1:ent:1"}
	for range 2 {
		if err := e.notify.SendDirect(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	p := e.inbox(tok, "")
	if len(p.Items) != 1 || p.Items[0].Title != d.Title || e.count("notice_recipients") != 1 {
		t.Fatalf("inbox=%+v, recipients=%d", p.Items, e.count("notice_recipients"))
	}
	d.Source, d.ResidentIDs = "benefit:1:ent:2", []int64{other}
	if err := e.notify.SendDirect(ctx, d); err != nil {
		t.Fatal(err)
	}
	if len(e.inbox(tok, "").Items) != 1 {
		t.Fatal("a direct notice reached someone it didn't name")
	}
	if err := e.notify.SendDirect(ctx, notify.DirectNotice{Title: "", Source: "x", ResidentIDs: []int64{id}}); err == nil {
		t.Fatal("SendDirect without title succeeded")
	}
}

// TestNoticeExportAndErase: /me/export lists the notices I received and my
// consent; DELETE /me erases the consent and cancels sends not yet made.
func TestNoticeExportAndErase(t *testing.T) {
	e := newNoticeEnv(t)
	tok, rid := e.resident("erase")
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{"TPL_ER": "accept"}}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"results": map[string]string{"TPL_ER": "accept"}}), http.StatusOK)
	id := e.publish(map[string]any{"title": "导出测试", "subscribe": map[string]any{"template_id": "TPL_ER", "data": map[string]string{"thing1": "x"}}})
	wantStatus(t, e.do("GET", "/api/v1/notices/"+id, tok, nil), http.StatusOK)

	rec := e.do("GET", "/api/v1/me/export", tok, nil)
	wantStatus(t, rec, http.StatusOK)
	var ex struct {
		Sections struct {
			Notices struct {
				Received []struct {
					NoticeID string     `json:"notice_id"`
					Title    string     `json:"title"`
					ReadAt   *time.Time `json:"read_at"`
				} `json:"received"`
				Subscriptions []notify.Quota `json:"subscriptions"`
			} `json:"notices"`
		} `json:"sections"`
	}
	decode(t, rec, &ex)
	if r := ex.Sections.Notices.Received; len(r) != 1 || r[0].NoticeID != id || r[0].ReadAt == nil {
		t.Fatalf("export received=%+v", r)
	}
	if s := ex.Sections.Notices.Subscriptions; len(s) != 1 || s[0].Quota != 1 {
		t.Fatalf("export subscriptions=%+v", s)
	}

	wantStatus(t, e.do("DELETE", "/api/v1/me", tok, nil), http.StatusNoContent)
	var quotas, pending int64
	e.db.Table("subscription_quotas").Where("resident_id = ?", rid).Count(&quotas)
	e.db.Table("notice_sends").Where("resident_id = ? AND status = 'pending'", rid).Count(&pending)
	if quotas != 0 || pending != 0 || e.count("subscription_events") != 0 {
		t.Fatalf("after deletion: %d quotas, %d pending sends, %d consent events", quotas, pending, e.count("subscription_events"))
	}
	var st struct{ Targeted int64 }
	decode(t, e.do("GET", "/api/v1/admin/notices/"+id+"/stats", e.editor, nil), &st)
	if st.Targeted != 1 {
		t.Fatalf("targeted after deletion=%d, want 1", st.Targeted)
	}
}
