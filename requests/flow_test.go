package requests_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// flowWorld is a dispatch centre, three units and a resident.
type flowWorld struct {
	*env
	centre       *staff.Member
	a, b, c      int64 // units: a returns, b assists, c handles
	officerA     *staff.Member
	officerC     *staff.Member
	headA, headC *staff.Member
	assistB      *staff.Member
	resident     int64
}

func newFlowWorld(t *testing.T) *flowWorld {
	e := newEnv(t)
	w := &flowWorld{env: e}
	w.centre = e.member(nil, []staff.Role{staff.Dispatcher})
	w.a, w.b, w.c = e.department("城管局"), e.department("华富街道办"), e.department("住建局")
	w.officerA = e.member(&w.a, []staff.Role{staff.RequestOfficer})
	w.officerC = e.member(&w.c, []staff.Role{staff.RequestOfficer})
	w.headA = e.member(&w.a, []staff.Role{staff.DeptAdmin})
	w.headC = e.member(&w.c, []staff.Role{staff.DeptAdmin})
	w.assistB = e.member(&w.b, []staff.Role{staff.RequestOfficer})
	w.resident = e.resident("flow")
	return w
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Fields[field] == "" {
		t.Fatalf("err = %v, want one naming %s", err, field)
	}
}

func (w *flowWorld) noticeKinds() []string {
	w.t.Helper()
	w.runJobs()
	var kinds []string
	err := w.req.DB().Raw(`SELECT n.kind FROM notices n JOIN notice_recipients r ON r.notice_id = n.id
		WHERE r.resident_id = ? ORDER BY n.id`, w.resident).Scan(&kinds).Error
	if err != nil {
		w.t.Fatal(err)
	}
	return kinds
}

// TestDispatchFlow walks a request through the work order: the centre's
// queue, a dispatch with an assisting unit, a late sign-for, returns up to
// the limit and a refusal, a re-dispatch, an extension, 催办 and 督办, the
// answer, the call-back and 重办, each step in the history with its actor,
// the resident told of the extension and the 重办 by fixed texts only.
func TestDispatchFlow(t *testing.T) {
	w := newFlowWorld(t)
	ctx := w.ctx
	if _, err := w.req.SaveGuide(ctx, "noise", "夜间施工噪音由住建局主办；社会生活噪音由街道办主办。", 2); err != nil {
		t.Fatal(err)
	}
	v := w.submit(w.resident, "noise", "华富街道")
	if v.Status != requests.StatusDispatching || v.DepartmentID != nil {
		t.Fatalf("unplaced request: %s at %v, want dispatching at the centre", v.Status, v.DepartmentID)
	}
	id := v.ID
	queue := func(m *staff.Member, q string) []int64 {
		t.Helper()
		vs, _, err := w.req.Find(ctx, m, requests.Filter{Queue: q, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		return ids
	}
	if got := queue(w.centre, requests.QueueDispatch); len(got) != 1 || got[0] != id {
		t.Fatalf("centre's 待分拨 = %v, want [%d]", got, id)
	}
	if got := queue(w.officerA, requests.QueueOpen); len(got) != 0 {
		t.Fatalf("a unit sees the centre's queue: %v", got)
	}
	// A unit cannot sign what is at the centre (out of its scope).
	_, err := w.req.Sign(ctx, w.officerA, id, 1)
	wantErr(t, err, requests.ErrNotFound)

	// 派单 to A with B assisting; bad input names the field.
	_, err = w.req.Dispatch(ctx, w.centre, id, requests.Dispatch{Version: 1, DepartmentID: 999999})
	wantField(t, err, "department_id")
	_, err = w.req.Dispatch(ctx, w.centre, id, requests.Dispatch{Version: 1, DepartmentID: w.a, AssistID: &w.a})
	wantField(t, err, "assist_department_id")
	sv := must(w.req.Dispatch(ctx, w.centre, id, requests.Dispatch{Version: 1, DepartmentID: w.a, AssistID: &w.b, Note: "按职责清单"}))
	if sv.Status != requests.StatusDispatched || *sv.DepartmentID != w.a || *sv.AssistDepartmentID != w.b || sv.SignDeadlineAt == nil {
		t.Fatalf("dispatched: %+v", sv)
	}
	// The sign-for limit is the category's 2 working hours: Monday 12:00.
	if want := w.now.Add(2 * time.Hour); !sv.SignDeadlineAt.Equal(want) {
		t.Fatalf("sign deadline %s, want %s", sv.SignDeadlineAt, want)
	}
	if !strings.Contains(sv.Guide, "住建局") {
		t.Fatalf("the dispatch guide is not shown: %q", sv.Guide)
	}
	if got := queue(w.assistB, requests.QueueAssisting); len(got) != 1 {
		t.Fatalf("assisting unit's queue = %v", got)
	}
	if _, err := w.req.FindForStaff(ctx, w.assistB, id); err != nil {
		t.Fatalf("assisting unit reads the request: %v", err)
	}
	if _, err := w.req.Sign(ctx, w.assistB, id, sv.Version); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("assisting unit signs: %v, want not found", err)
	}

	// A signs late (3 hours on), then returns it: twice allowed.
	w.now = w.now.Add(3 * time.Hour)
	sv = must(w.req.Sign(ctx, w.officerA, id, sv.Version))
	if sv.Status != requests.StatusSigned || !sv.SignLate {
		t.Fatalf("signed: %s late %v", sv.Status, sv.SignLate)
	}
	_, err = w.req.Return(ctx, w.officerA, id, requests.ReturnInput{Version: sv.Version, ReasonCode: "bogus", Reason: " "})
	wantField(t, err, "reason_code")
	wantField(t, err, "reason")
	sv = must(w.req.Return(ctx, w.officerA, id, requests.ReturnInput{Version: sv.Version, ReasonCode: requests.ReturnNotOurDuty, Reason: "属施工噪音"}))
	if sv.Status != requests.StatusReturned || len(sv.Returns) != 1 || sv.Returns[0].Status != requests.Pending {
		t.Fatalf("returned: %s %+v", sv.Status, sv.Returns)
	}
	if got := queue(w.centre, requests.QueueReturns); len(got) != 1 {
		t.Fatalf("centre's 退单待审 = %v", got)
	}
	// Dispatching back to the unit that returned it is refused: refuse the return instead.
	_, err = w.req.Dispatch(ctx, w.centre, id, requests.Dispatch{Version: sv.Version, DepartmentID: w.a})
	wantField(t, err, "department_id")
	_, err = w.req.RefuseReturn(ctx, w.centre, id, sv.Version, "")
	wantField(t, err, "note")
	sv = must(w.req.RefuseReturn(ctx, w.centre, id, sv.Version, "噪音来源为商铺，属街道职责范围外亦应先行处置"))
	if sv.Status != requests.StatusSigned || sv.Returns[0].Status != requests.Refused {
		t.Fatalf("return refused: %s %+v", sv.Status, sv.Returns)
	}
	sv = must(w.req.Return(ctx, w.officerA, id, requests.ReturnInput{Version: sv.Version, ReasonCode: requests.ReturnOther, Reason: "再次说明"}))
	sv = must(w.req.RefuseReturn(ctx, w.centre, id, sv.Version, "仍由你单位办理"))
	_, err = w.req.Return(ctx, w.officerA, id, requests.ReturnInput{Version: sv.Version, ReasonCode: requests.ReturnOther, Reason: "第三次"})
	wantErr(t, err, requests.ErrReturnsUsed)

	// The centre raises the limit; the third return goes through and C gets it.
	if _, err := w.req.SaveSettings(ctx, requests.FlowSettings{MaxReturns: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.req.SaveSettings(ctx, requests.FlowSettings{MaxReturns: -1, CallbackSample: 101}); err == nil {
		t.Fatal("bad settings accepted")
	}
	sv = must(w.req.Return(ctx, w.officerA, id, requests.ReturnInput{Version: sv.Version, ReasonCode: requests.ReturnNotOurDuty, Reason: "第三次"}))
	sv = must(w.req.Dispatch(ctx, w.centre, id, requests.Dispatch{Version: sv.Version, DepartmentID: w.c}))
	if sv.Status != requests.StatusDispatched || *sv.DepartmentID != w.c || sv.AssistDepartmentID != nil || sv.Returns[2].Status != requests.Approved {
		t.Fatalf("re-dispatched: %+v", sv)
	}
	if _, err := w.req.FindForStaff(ctx, w.officerA, id); !errors.Is(err, requests.ErrNotFound) {
		t.Fatalf("the former unit still reads it: %v", err)
	}

	// C accepts (which signs), asks for 3 more working days; the centre approves.
	sv = must(w.req.Accept(ctx, w.officerC, id, sv.Version))
	if sv.SignedAt == nil || sv.SignLate {
		t.Fatalf("accept signs on time: %v %v", sv.SignedAt, sv.SignLate)
	}
	before := sv.DeadlineAt
	_, err = w.req.AskExtension(ctx, w.officerC, id, 0, "")
	wantField(t, err, "days")
	wantField(t, err, "reason")
	sv = must(w.req.AskExtension(ctx, w.officerC, id, 3, "需协调物业"))
	_, err = w.req.AskExtension(ctx, w.officerC, id, 1, "再延")
	wantErr(t, err, requests.ErrExtensionPending)
	if !sv.DeadlineAt.Equal(before) {
		t.Fatal("the deadline moved before approval")
	}
	if got := queue(w.centre, requests.QueueExtensions); len(got) != 1 {
		t.Fatalf("centre's 延期待批 = %v", got)
	}
	sv = must(w.req.DecideExtension(ctx, w.centre, id, true, "同意"))
	// Three working days after Thursday 5 November: Friday, Monday, Tuesday.
	if want := before.AddDate(0, 0, 5); !sv.DeadlineAt.Equal(want) || sv.ExtendedDays != 3 || sv.Extensions[0].Status != requests.Approved {
		t.Fatalf("extended: %s (was %s) %d %+v", sv.DeadlineAt, before, sv.ExtendedDays, sv.Extensions)
	}
	_, err = w.req.DecideExtension(ctx, w.centre, id, false, "")
	wantErr(t, err, requests.ErrNoExtension)
	sv = must(w.req.AskExtension(ctx, w.officerC, id, 2, "还需两天"))
	sv = must(w.req.DecideExtension(ctx, w.centre, id, false, "不予延期"))
	if sv.ExtendedDays != 3 || sv.Extensions[1].Status != requests.Refused {
		t.Fatalf("refused extension moved the deadline: %d %+v", sv.ExtendedDays, sv.Extensions)
	}

	// 催办 keeps the version (an officer acting meanwhile is not refused); 督办 too.
	version := sv.Version
	sv = must(w.req.Urge(ctx, w.centre, id, "请加快办理"))
	if sv.Urges != 1 || sv.Version != version {
		t.Fatalf("urged: %d urges, version %d → %d", sv.Urges, version, sv.Version)
	}
	_, err = w.req.Supervise(ctx, w.centre, id, "", w.now.Add(-time.Hour))
	wantField(t, err, "instruction")
	wantField(t, err, "due_at")
	sv = must(w.req.Supervise(ctx, w.centre, id, "请于三日内书面报告处置情况", w.now.Add(72*time.Hour)))
	if len(sv.Supervisions) != 1 {
		t.Fatalf("supervisions: %+v", sv.Supervisions)
	}
	letter := sv.Supervisions[0].ID
	if ls, _, err := w.req.Supervisions(ctx, w.headA, requests.SupervisionFilter{Limit: 10}); err != nil || len(ls) != 0 {
		t.Fatalf("another unit lists the letter: %v %v", ls, err)
	}
	_, err = w.req.AnswerSupervision(ctx, w.headA, letter, "不是我们的")
	wantErr(t, err, requests.ErrSupervisionNotFound)
	u := must(w.req.AnswerSupervision(ctx, w.headC, letter, "已约谈商铺，限期整改"))
	if u.AnsweredAt == nil || u.Overdue {
		t.Fatalf("answered letter: %+v", u)
	}
	_, err = w.req.AnswerSupervision(ctx, w.headC, letter, "再答")
	wantErr(t, err, requests.ErrSupervisionAnswered)
	if ls, _, err := w.req.Supervisions(ctx, w.centre, requests.SupervisionFilter{State: "answered", Limit: 10}); err != nil || len(ls) != 1 {
		t.Fatalf("centre's answered letters: %v %v", ls, err)
	}

	// Answer, 不满意, call-back unsatisfied: 重办 at C with a new deadline.
	sv = must(w.req.Answer(ctx, w.officerC, id, requests.Answer{Version: sv.Version, Text: "已处理"}))
	rv := must(w.req.Rate(ctx, w.resident, id, 1, "", false))
	if rv.Status != requests.StatusCallback {
		t.Fatalf("不满意 rating: %s, want callback", rv.Status)
	}
	if got := queue(w.centre, requests.QueueCallback); len(got) != 1 {
		t.Fatalf("centre's 待回访 = %v", got)
	}
	sv = must(w.req.FindForStaff(ctx, w.centre, id))
	_, err = w.req.CallBack(ctx, w.centre, id, sv.Version, "meh", "")
	wantField(t, err, "result")
	sv = must(w.req.CallBack(ctx, w.centre, id, sv.Version, requests.CallbackUnsatisfied, "居民称噪音仍在"))
	if sv.Status != requests.StatusAccepted || sv.Redone != 1 || *sv.DepartmentID != w.c {
		t.Fatalf("重办: %s redone %d at %v", sv.Status, sv.Redone, sv.DepartmentID)
	}
	sv = must(w.req.Answer(ctx, w.officerC, id, requests.Answer{Version: sv.Version, Text: "已再次处理"}))
	must(w.req.Rate(ctx, w.resident, id, 2, "", false))
	sv = must(w.req.FindForStaff(ctx, w.centre, id))
	sv = must(w.req.CallBack(ctx, w.centre, id, sv.Version, requests.CallbackUnsatisfied, "仍不满意"))
	if sv.Status != requests.StatusClosed || sv.Redone != 1 {
		t.Fatalf("second 不满意 after a 重办: %s redone %d, want closed", sv.Status, sv.Redone)
	}

	// The history: every step with its actor; the resident's without the units' business.
	var actions []string
	for _, e := range sv.History {
		actions = append(actions, string(e.Action)+"/"+e.Actor)
	}
	want := []string{"submitted/resident", "dispatched/" + w.centre.Username, "signed/" + w.officerA.Username,
		"returned/" + w.officerA.Username, "return_refused/" + w.centre.Username, "returned/" + w.officerA.Username,
		"return_refused/" + w.centre.Username, "returned/" + w.officerA.Username, "dispatched/" + w.centre.Username,
		"accepted/" + w.officerC.Username, "ext_asked/" + w.officerC.Username, "ext_approved/" + w.centre.Username,
		"ext_asked/" + w.officerC.Username, "ext_refused/" + w.centre.Username, "urged/" + w.centre.Username,
		"supervised/" + w.centre.Username, "sup_answered/" + w.headC.Username, "answered/" + w.officerC.Username,
		"rated/resident", "redone/" + w.centre.Username, "answered/" + w.officerC.Username, "rated/resident",
		"called_back/" + w.centre.Username}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("history:\n got %v\nwant %v", actions, want)
	}
	mine := must(w.req.Get(ctx, w.resident, id))
	for _, e := range mine.History {
		if e.Action == requests.ActReturn || e.Action == requests.ActSupervise || e.Action == requests.ActUrge || e.Actor != "" {
			t.Fatalf("the resident sees %+v", e)
		}
		if e.Action == requests.ActApproveExt && e.Reason != "" {
			t.Fatalf("the resident reads the centre's note: %+v", e)
		}
	}
	// The resident was told of the extension and the 重办, by fixed texts.
	kinds := w.noticeKinds()
	for _, k := range []notify.SystemKind{notify.KindRequestExtended, notify.KindRequestRedone} {
		found := false
		for _, got := range kinds {
			found = found || got == string(k)
		}
		if !found {
			t.Fatalf("notices %v lack %s", kinds, k)
		}
	}
	var bodies []string
	w.req.DB().Raw("SELECT body FROM notices WHERE kind IN ?", []string{string(notify.KindRequestExtended), string(notify.KindRequestRedone)}).Scan(&bodies)
	for _, b := range bodies {
		for _, typed := range []string{"同意", "居民称", "需协调"} {
			if strings.Contains(b, typed) {
				t.Fatalf("a system text quotes staff: %q", b)
			}
		}
	}

	// The month's figures: A signed late and returned three times in one
	// stay; C signed on time, had an extension, a 重办, 催办 and 督办.
	st := must(w.req.FlowStats(ctx, w.centre, "2026-11", requests.ByDepartment))
	byKey := map[int64]requests.FlowFigures{}
	for _, r := range st.Rows {
		for _, d := range []int64{w.a, w.c} {
			if r.Key == itoa(d) {
				byKey[d] = r
			}
		}
	}
	fa, fc := byKey[w.a], byKey[w.c]
	if fa.Assigned != 1 || fa.LateSigned != 1 || fa.Returned != 1 || fa.SignedOnTime != 0 {
		t.Fatalf("A: %+v", fa)
	}
	if fc.Assigned != 1 || fc.SignedOnTime != 1 || fc.Extended != 1 || fc.Redone != 1 || fc.Urges != 1 || fc.Supervisions != 1 ||
		fc.Rated != 1 || fc.Satisfied != 0 || *fc.SignRate != 1 || *fc.ExtensionRate != 1 {
		t.Fatalf("C: %+v", fc)
	}
	// A unit sees its own row only.
	own := must(w.req.FlowStats(ctx, w.officerC, "2026-11", requests.ByDepartment))
	if len(own.Rows) != 1 || own.Rows[0].Key != itoa(w.c) {
		t.Fatalf("C's own figures: %+v", own.Rows)
	}
	var csv bytes.Buffer
	if err := st.WriteCSV(&csv); err != nil || !strings.Contains(csv.String(), "签收率%") {
		t.Fatalf("csv: %v %q", err, csv.String())
	}
	_, err = w.req.FlowStats(ctx, w.centre, "11/2026", "category")
	wantField(t, err, "month")
	wantField(t, err, "group_by")
}

// TestAutoUrge: a request a working day from its deadline is urged once by
// the system; an approved extension gives a new deadline, urged again when
// it nears.
func TestAutoUrge(t *testing.T) {
	w := newFlowWorld(t)
	ctx := w.ctx
	w.route("noise", "", w.c)
	v := w.submit(w.resident, "noise", "华富街道") // Monday; 3 working days: due at the end of Thursday
	sv := must(w.req.Accept(ctx, w.officerC, v.ID, v.Version))
	if n := must(w.req.AutoUrge(ctx)); n != 0 {
		t.Fatalf("urged %d three days ahead", n)
	}
	w.now = w.now.AddDate(0, 0, 2) // Wednesday: one working day left
	if n := must(w.req.AutoUrge(ctx)); n != 1 {
		t.Fatalf("urged %d one working day ahead, want 1", n)
	}
	if n := must(w.req.AutoUrge(ctx)); n != 0 {
		t.Fatalf("urged again: %d", n)
	}
	must(w.req.AskExtension(ctx, w.officerC, v.ID, 2, "需要时间"))
	must(w.req.DecideExtension(ctx, w.centre, v.ID, true, ""))
	if n := must(w.req.AutoUrge(ctx)); n != 0 {
		t.Fatalf("urged with three working days left: %d", n)
	}
	w.now = w.now.AddDate(0, 0, 2) // Friday: Monday is the last day
	if n := must(w.req.AutoUrge(ctx)); n != 1 {
		t.Fatalf("urged %d before the extended deadline, want 1", n)
	}
	sv = must(w.req.FindForStaff(ctx, w.centre, v.ID))
	if sv.Urges != 2 {
		t.Fatalf("urges = %d, want 2", sv.Urges)
	}
	last := sv.History[len(sv.History)-1]
	if last.Action != requests.ActUrge || last.Actor != requests.BySystem {
		t.Fatalf("last step %+v, want the system's urge", last)
	}
}

// TestCallbackSample: with a sample of 100%, a satisfied rating is called
// back too; called back satisfied, it closes.
func TestCallbackSample(t *testing.T) {
	w := newFlowWorld(t)
	ctx := w.ctx
	w.route("noise", "", w.c)
	must(w.req.SaveSettings(ctx, requests.FlowSettings{MaxReturns: 2, CallbackSample: 100}))
	v := w.submit(w.resident, "noise", "华富街道")
	sv := must(w.req.Accept(ctx, w.officerC, v.ID, v.Version))
	sv = must(w.req.Answer(ctx, w.officerC, v.ID, requests.Answer{Version: sv.Version, Text: "已处理"}))
	if rv := must(w.req.Rate(ctx, w.resident, v.ID, 5, "", false)); rv.Status != requests.StatusCallback {
		t.Fatalf("sampled: %s", rv.Status)
	}
	sv = must(w.req.FindForStaff(ctx, w.centre, v.ID))
	sv = must(w.req.CallBack(ctx, w.centre, v.ID, sv.Version, requests.CallbackSatisfied, ""))
	if sv.Status != requests.StatusClosed || sv.ClosedAt == nil || sv.CallbackResult == nil || *sv.CallbackResult != requests.CallbackSatisfied {
		t.Fatalf("called back: %+v", sv)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
