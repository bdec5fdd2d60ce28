package notify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/sms"
	"github.com/futian/ifutian/wechat"
)

// at is a time of 2026-05-01 in the district.
func at(h, m int) time.Time {
	return time.Date(2026, 5, 1, h, m, 0, 0, time.FixedZone("CST", 8*3600)).UTC()
}

// laneWorld is a service on a settable clock with n residents, each with
// one consent for each of templates.
type laneWorld struct {
	t   *testing.T
	db  *gorm.DB
	s   *Service
	now time.Time
	ids []int64
}

func newLaneWorld(t *testing.T, n int, prefix string, templates ...string) *laneWorld {
	w := &laneWorld{t: t, db: dbtest.Open(t), now: at(10, 0)}
	w.s = New(Deps{DB: w.db, Now: func() time.Time { return w.now }})
	for i := range n {
		res := w.db.Exec("INSERT INTO residents (openid, street, created_at, updated_at) VALUES (?, '园岭街道', ?, ?)",
			fmt.Sprintf("%s_%03d", prefix, i), w.now, w.now)
		if res.Error != nil {
			t.Fatal(res.Error)
		}
	}
	w.db.Table("residents").Order("id").Pluck("id", &w.ids)
	for _, tpl := range templates {
		w.exec(`INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
			SELECT id, ?, 1, 0, ? FROM residents`, tpl, w.now)
	}
	return w
}

func (w *laneWorld) exec(q string, args ...any) {
	w.t.Helper()
	if err := w.db.Exec(q, args...).Error; err != nil {
		w.t.Fatal(err)
	}
}

// publish approves and publishes a notice to everyone.
func (w *laneWorld) publish(category, template string, sms bool) int64 {
	w.t.Helper()
	n := &Notice{Title: "通知" + template, Body: "b", Category: Category(category), PublishAt: new(w.now.Add(-time.Second)), Status: StatusApproved,
		SubscribeTemplateID: template, SubscribeData: `{"thing1":"x"}`, SMS: sms, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.db.Create(n).Error; err != nil {
		w.t.Fatal(err)
	}
	if k, err := w.s.PublishDue(context.Background()); err != nil || k != 1 {
		w.t.Fatalf("PublishDue=%d, %v", k, err)
	}
	return n.ID
}

// statuses counts notice id's sends by channel/status.
func (w *laneWorld) statuses(id int64) map[string]int {
	var rows []struct {
		Channel, Status string
		N               int
	}
	w.db.Table("notice_sends").Select("channel, status, COUNT(*) AS n").Where("notice_id = ?", id).Group("channel, status").Scan(&rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.Channel+"/"+r.Status] = r.N
	}
	return out
}

func (w *laneWorld) quota(resident int64, template string) int {
	var q []int
	w.db.Table("subscription_quotas").Where("resident_id = ? AND template_id = ?", resident, template).Pluck("remaining", &q)
	if len(q) == 0 {
		return -1
	}
	return q[0]
}

func wantStatuses(t *testing.T, what string, got map[string]int, want map[string]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: sends %v, want %v", what, got, want)
	}
}

// TestUrgentLane: an urgent notice published while a routine one is
// queued is sent first: no routine message goes out until every urgent one
// has.
func TestUrgentLane(t *testing.T) {
	w := newLaneWorld(t, 12, "lane", "TPL_ROUTINE", "TPL_URGENT")
	w.publish("activity", "TPL_ROUTINE", false)
	w.now = w.now.Add(time.Second)
	w.publish("warning", "TPL_URGENT", false)
	client := wechat.New(wechat.Config{AppID: "wxlane", AppSecret: "s"})
	d := w.s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Batch: 5})
	for range 6 {
		if _, err := d.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var order []string
	for _, m := range fake.Messages() {
		if m.TemplateID == "TPL_ROUTINE" || m.TemplateID == "TPL_URGENT" {
			order = append(order, m.TemplateID)
		}
	}
	if len(order) != 24 {
		t.Fatalf("%d messages sent, want 24", len(order))
	}
	for i, tpl := range order {
		if (i < 12) != (tpl == "TPL_URGENT") {
			t.Fatalf("message %d was %s: order %v", i, tpl, order)
		}
	}
}

// TestQuietHoursAndCap: at 23:00 a routine notice's sends are held until
// 08:00 and an urgent one goes out at once; in the morning each resident
// gets at most DailyCap routine messages, the rest are capped (inbox only,
// consent given back), and a due-process system message is never capped.
func TestQuietHoursAndCap(t *testing.T) {
	w := newLaneWorld(t, 3, "quiet", "TPL_Q1", "TPL_Q2", "TPL_Q3", "TPL_QW", "TPL_QD")
	w.s.Configure(Config{Quiet: DefaultQuietHours, DailyCap: 2, Templates: map[SystemKind]KindTemplate{
		KindDeductionRecorded: {TemplateID: "TPL_QD", Fields: map[string]string{"thing1": "title", "character_string2": "case_ref"}},
	}})
	w.now = at(23, 0)
	client := wechat.New(wechat.Config{AppID: "wxquiet", AppSecret: "s"})
	d := w.s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Batch: 10})
	drain := func() {
		for {
			n, err := d.DeliverOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	routine := []int64{w.publish("policy", "TPL_Q1", false)}
	warning := w.publish("warning", "TPL_QW", false)
	drain()
	wantStatuses(t, "routine at night", w.statuses(routine[0]), map[string]int{"wechat/held": 3})
	wantStatuses(t, "warning at night", w.statuses(warning), map[string]int{"wechat/sent": 3})
	var due []time.Time
	w.db.Table("notice_sends").Where("notice_id = ?", routine[0]).Pluck("due_at", &due)
	if !due[0].Equal(at(8, 0).AddDate(0, 0, 1)) {
		t.Fatalf("held until %v, want 08:00", due[0])
	}

	w.now = at(8, 1).AddDate(0, 0, 1)
	routine = append(routine, w.publish("activity", "TPL_Q2", false), w.publish("policy", "TPL_Q3", false))
	err := w.s.SendDirect(context.Background(), DirectNotice{Kind: KindDeductionRecorded, Title: "扣分通知", Body: "b",
		ResidentIDs: w.ids, Source: "ded:1", Data: map[string]string{"points": "10", "deadline": "2026-06-01"},
		Target: &Target{Type: TargetDeduction, ID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	drain()
	wantStatuses(t, "held notice in the morning", w.statuses(routine[0]), map[string]int{"wechat/sent": 3})
	wantStatuses(t, "second notice", w.statuses(routine[1]), map[string]int{"wechat/sent": 3})
	wantStatuses(t, "third notice", w.statuses(routine[2]), map[string]int{"wechat/capped": 3})
	for _, r := range w.ids {
		if q := w.quota(r, "TPL_Q3"); q != 1 {
			t.Fatalf("resident %d: consent of the capped notice %d, want 1 (given back)", r, q)
		}
	}
	if got := len(received("TPL_QD")); got != 3 {
		t.Fatalf("deduction notice reached %d residents, want 3 (never capped)", got)
	}
}

// TestDailyCapConcurrent: four deliverers claim routine sends of five
// notices to the same residents at once; afterwards every resident got
// exactly DailyCap of them, the rest are capped, and nothing is left.
func TestDailyCapConcurrent(t *testing.T) {
	const residents, notices, limit = 20, 5, 2
	tpls := make([]string, notices)
	for i := range tpls {
		tpls[i] = fmt.Sprintf("TPL_CC%d", i)
	}
	w := newLaneWorld(t, residents, "capc", tpls...)
	w.s.Configure(Config{DailyCap: limit})
	for _, tpl := range tpls {
		w.publish("policy", tpl, false)
	}
	client := wechat.New(wechat.Config{AppID: "wxcapc", AppSecret: "s"})
	var wg sync.WaitGroup
	for range 4 {
		d := w.s.NewDeliverer(client, DeliveryConfig{Rate: 2000, Batch: 7})
		wg.Go(func() {
			for range 200 {
				if _, err := d.DeliverOnce(context.Background()); err != nil {
					t.Error(err)
					return
				}
				var open int64
				w.db.Table("notice_sends").Where("due_at IS NOT NULL").Count(&open)
				if open == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	perResident := map[string]int{}
	for _, tpl := range tpls {
		for openid, k := range received(tpl) {
			if k != 1 {
				t.Fatalf("%s got %s %d times", openid, tpl, k)
			}
			perResident[openid]++
		}
	}
	if len(perResident) != residents {
		t.Fatalf("%d residents reached, want %d", len(perResident), residents)
	}
	for openid, k := range perResident {
		if k != limit {
			t.Fatalf("%s got %d routine messages, want the cap %d", openid, k, limit)
		}
	}
	var open, capped int64
	w.db.Table("notice_sends").Where("due_at IS NOT NULL").Count(&open)
	w.db.Table("notice_sends").Where("status = 'capped'").Count(&capped)
	var counted []int
	w.db.Table("notice_send_days").Pluck("sent", &counted)
	for _, n := range counted {
		if n != limit {
			t.Fatalf("day counters %v, want %d each", counted, limit)
		}
	}
	if open != 0 || capped != residents*(notices-limit) || len(counted) != residents {
		t.Fatalf("%d sends open, %d capped, %d counters; want 0, %d, %d", open, capped, len(counted), residents*(notices-limit), residents)
	}
}

// TestLongTermConsent: one accept of a long-term template lets every
// notice through without spending it, until the resident rejects it.
func TestLongTermConsent(t *testing.T) {
	w := newLaneWorld(t, 2, "long")
	w.s.Configure(Config{LongTerm: []string{"TPL_LONG"}})
	ctx := context.Background()
	if _, err := w.s.SaveSubscriptions(ctx, w.ids[0], map[string]string{"TPL_LONG": "accept", "TPL_ONCE": "accept"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.SaveSubscriptions(ctx, w.ids[0], map[string]string{"TPL_LONG": "accept"}); err != nil {
		t.Fatal(err)
	}
	qs, _ := w.s.Quotas(ctx, w.ids[0])
	if fmt.Sprint(qs) != "[{TPL_LONG 1 true} {TPL_ONCE 1 false}]" {
		t.Fatalf("quotas %v", qs)
	}
	a := w.publish("policy", "TPL_LONG", false)
	b := w.publish("warning", "TPL_LONG", false)
	c := w.publish("policy", "TPL_ONCE", false)
	for _, id := range []int64{a, b, c} {
		wantStatuses(t, "consented notice", w.statuses(id), map[string]int{"wechat/pending": 1})
	}
	if q := w.quota(w.ids[0], "TPL_LONG"); q != 1 {
		t.Fatalf("long-term consent %d after two sends, want 1", q)
	}
	if q := w.quota(w.ids[0], "TPL_ONCE"); q != 0 {
		t.Fatalf("one-shot consent %d after a send, want 0", q)
	}
	if _, err := w.s.SaveSubscriptions(ctx, w.ids[0], map[string]string{"TPL_LONG": "reject"}); err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, "after turning it off", w.statuses(w.publish("policy", "TPL_LONG", false)), map[string]int{})
}

// TestSystemMessageByWeChat: a system message of a kind mapped to a
// template reaches the inbox and goes out as that template, filled from
// its fields; inside a caller's transaction it commits or rolls back with
// it; the kind's fields are required.
func TestSystemMessageByWeChat(t *testing.T) {
	w := newLaneWorld(t, 2, "sys", "TPL_DED")
	w.s.Configure(Config{Templates: map[SystemKind]KindTemplate{
		KindDeductionRecorded: {TemplateID: "TPL_DED", Fields: map[string]string{"thing1": "title", "number2": "points", "time3": "time"}},
	}})
	ctx := context.Background()
	d := DirectNotice{Kind: KindDeductionRecorded, Title: "您有一条扣分记录", Body: "您的积分被扣减 10 分，可在 30 日内申诉。",
		ResidentIDs: w.ids[:1], Source: "deduction:1", Data: map[string]string{"points": "10", "deadline": "2026-05-31"},
		Target: &Target{Type: TargetDeduction, ID: "1"}}

	// Rolled back with the caller's change: nothing remains.
	err := w.db.Transaction(func(tx *gorm.DB) error {
		if err := w.s.SendDirectTx(tx, d); err != nil {
			return err
		}
		return fmt.Errorf("the deduction failed")
	})
	if err == nil {
		t.Fatal("transaction committed")
	}
	var notices int64
	w.db.Table("notices").Count(&notices)
	if notices != 0 {
		t.Fatalf("%d notices after rollback", notices)
	}
	// Committed with it, twice: one notice, one send.
	for range 2 {
		if err := w.db.Transaction(func(tx *gorm.DB) error { return w.s.SendDirectTx(tx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	w.db.Table("notices").Where("source = ?", "deduction:1").Pluck("id", &id)
	wantStatuses(t, "deduction notice", w.statuses(id), map[string]int{"wechat/pending": 1})
	items, _, err := w.s.Inbox(ctx, w.ids[0], InboxFilter{Limit: 10})
	if err != nil || len(items) != 1 || items[0].Title != d.Title {
		t.Fatalf("inbox %v, %v", items, err)
	}
	client := wechat.New(wechat.Config{AppID: "wxsys", AppSecret: "s"})
	if _, err := w.s.NewDeliverer(client, DeliveryConfig{Rate: 1000}).DeliverOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var got []wechat.SentMessage
	for _, m := range fake.Messages() {
		if m.TemplateID == "TPL_DED" {
			got = append(got, m)
		}
	}
	if len(got) != 1 || got[0].Data["number2"] != "10" || got[0].Data["thing1"] != "您有一条扣分记录" ||
		got[0].Data["time3"] != "2026-05-01 10:00" || got[0].Page != "pages/points/transaction?id=1" {
		t.Fatalf("sent %+v", got)
	}

	d.Source, d.Data = "deduction:2", map[string]string{"points": "10"}
	err = w.s.SendDirect(ctx, d)
	var ae *apperr.Error
	if !errorsAsApp(err, &ae) || ae.Fields["data.deadline"] == "" {
		t.Fatalf("SendDirect without deadline: %v, want invalid_argument naming data.deadline", err)
	}
}

func errorsAsApp(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestSMSForUrgent: a warning notice with SMS goes by WeChat to the
// recipients with consent and by text message to those with a bound phone
// and no WeChat reach; the phone is opened only to send, never stored in
// the queue or its errors; a wrong number fails for good.
func TestSMSForUrgent(t *testing.T) {
	w := newLaneWorld(t, 4, "sms")
	box, _ := pii.New(bytes.Repeat([]byte{3}, pii.KeySize))
	phones := []string{"13800000001", "13800000002", "13800000003"}
	for i, p := range phones { // the fourth resident has no phone
		w.exec("UPDATE residents SET phone_enc = ? WHERE id = ?", box.Seal(p), w.ids[i])
	}
	w.exec("INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at) VALUES (?, 'TPL_SMSW', 1, 0, ?)", w.ids[0], w.now)
	id := w.publish("warning", "TPL_SMSW", true)
	wantStatuses(t, "queued", w.statuses(id), map[string]int{"wechat/pending": 1, "sms/pending": 2})

	fakeSMS := sms.NewFake()
	url, stop, err := fakeSMS.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	client, err := sms.New(sms.Config{SecretID: "id", SecretKey: "key", SdkAppID: "1400000000", SignName: "i福田", TemplateID: "100", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	fakeSMS.SetFaults(sms.Faults{FailEvery: 2, Code: "InvalidParameterValue.IncorrectPhoneNumber"})
	if _, err := w.s.NewSMSDeliverer(client, box, DeliveryConfig{Rate: 1000}).DeliverOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, "after SMS delivery", w.statuses(id), map[string]int{"sms/failed": 1, "sms/sent": 1, "wechat/pending": 1})
	got := fakeSMS.Messages()
	if len(got) != 1 || (got[0].Phone != "+8613800000002" && got[0].Phone != "+8613800000003") || got[0].Params[0] != "通知TPL_SMSW" {
		t.Fatalf("texts %+v", got)
	}
	var errs []string
	w.db.Table("notice_sends").Where("channel = 'sms'").Pluck("last_error", &errs)
	for _, e := range errs {
		if strings.Contains(e, "138000") {
			t.Fatalf("a phone number in the queue's error %q", e)
		}
	}
	if !strings.Contains(strings.Join(errs, ","), "InvalidParameterValue.IncorrectPhoneNumber") {
		t.Fatalf("errors %q, want the code of the wrong number", errs)
	}

	// Only warning and health notices send SMS: a policy notice queues none.
	n := &Notice{Title: "t", Body: "b", Category: "policy", PublishAt: new(w.now), Status: StatusApproved, SMS: true, CreatedAt: w.now, UpdatedAt: w.now}
	w.db.Create(n)
	w.s.PublishDue(context.Background())
	wantStatuses(t, "policy notice with sms", w.statuses(n.ID), map[string]int{})
}
