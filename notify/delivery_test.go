package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/wechat"
)

var fake *wechat.Fake

func TestMain(m *testing.M) {
	var stop func(context.Context) error
	var err error
	fake, _, stop, err = wechat.StartLocalFake(2 * time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := dbtest.Main(m)
	stop(context.Background())
	os.Exit(code)
}

// seedSends makes n residents with one consent each for template and
// publishes a notice to all of them with that subscribe message.
func seedSends(t *testing.T, gdb *gorm.DB, s *Service, n int, template string) int64 {
	t.Helper()
	now := time.Now().UTC()
	for i := range n {
		openid := fmt.Sprintf("%s_%03d", template, i)
		if err := gdb.Exec("INSERT INTO residents (openid, street, created_at, updated_at) VALUES (?, '园岭街道', ?, ?)", openid, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	err := gdb.Exec(`INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
		SELECT id, ?, 1, 0, ? FROM residents`, template, now).Error
	if err != nil {
		t.Fatal(err)
	}
	notice := &Notice{Title: "t", Body: "b", Category: "health", PublishAt: new(now.Add(-time.Minute)), Status: StatusApproved,
		SubscribeTemplateID: template, SubscribeData: `{"thing1":"x"}`, CreatedAt: now, UpdatedAt: now}
	if err := gdb.Create(notice).Error; err != nil {
		t.Fatal(err)
	}
	if k, err := s.PublishDue(context.Background()); err != nil || k != 1 {
		t.Fatalf("PublishDue=%d, %v", k, err)
	}
	var sends int64
	gdb.Table("notice_sends").Count(&sends)
	if sends != int64(n) {
		t.Fatalf("queued %d sends, want %d", sends, n)
	}
	return notice.ID
}

// received counts the fake's messages per openid for template.
func received(template string) map[string]int {
	got := map[string]int{}
	for _, m := range fake.Messages() {
		if m.TemplateID == template {
			got[m.OpenID]++
		}
	}
	return got
}

func waitDrained(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var open int64
		gdb.Table("notice_sends").Where("due_at IS NOT NULL").Count(&open)
		if open == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("sends still queued after 60 s")
}

// TestDeliveryCrash: a worker claims a batch and dies mid-send (two of its
// messages reached WeChat, none was recorded). Two other workers, with a
// WeChat that fails every third call, deliver everything: every message
// arrives, and only the dead worker's in-flight sends may arrive twice.
func TestDeliveryCrash(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const n, tpl = 60, "TPL_CRASH"
	seedSends(t, gdb, s, n, tpl)
	client := wechat.New(wechat.Config{AppID: "wxcrash", AppSecret: "s"})
	cfg := DeliveryConfig{Rate: 500, Batch: 5, Lease: 3 * time.Second, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 20, Idle: 10 * time.Millisecond}

	// The worker that dies: it claims 5 and gets 2 onto the wire.
	dead := s.NewDeliverer(client, cfg)
	inflight, _, _, err := dead.claim(context.Background(), true, 5)
	if err != nil || len(inflight) != 5 {
		t.Fatalf("claim=%d, %v", len(inflight), err)
	}
	crashed := map[string]bool{}
	for _, r := range inflight[:2] {
		crashed[*r.OpenID] = true
		if err := client.SendSubscribe(context.Background(), wechat.Message{OpenID: *r.OpenID, TemplateID: tpl, Data: map[string]string{"thing1": "x"}}); err != nil {
			t.Fatal(err)
		}
	}

	fake.SetFaults(wechat.Faults{FailEvery: 3, ErrCode: 500})
	defer fake.SetFaults(wechat.Faults{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		d := s.NewDeliverer(client, cfg)
		wg.Go(func() { deliverUntil(ctx, d) })
	}
	waitDrained(t, gdb)
	cancel()
	wg.Wait()

	got := received(tpl)
	if len(got) != n {
		t.Fatalf("%d residents got the message, want %d", len(got), n)
	}
	for openid, k := range got {
		if k > 1 && !crashed[openid] {
			t.Fatalf("%s got %d messages but was not in flight in the crash", openid, k)
		}
	}
	var sent int64
	gdb.Table("notice_sends").Where("status = 'sent'").Count(&sent)
	if sent != n {
		t.Fatalf("%d sends recorded sent, want %d", sent, n)
	}
}

// TestDeliveryShutdown: cancelling a worker mid-batch loses nothing and
// repeats nothing: sends on the wire are recorded, the rest handed back.
func TestDeliveryShutdown(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const n, tpl = 40, "TPL_STOP"
	seedSends(t, gdb, s, n, tpl)
	client := wechat.New(wechat.Config{AppID: "wxstop", AppSecret: "s"})
	fake.SetFaults(wechat.Faults{DelayMS: 30})
	ctx, cancel := context.WithCancel(context.Background())
	d := s.NewDeliverer(client, DeliveryConfig{Rate: 100, Batch: 10, Lease: time.Hour, Idle: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { deliverUntil(ctx, d); close(done) }()
	time.Sleep(150 * time.Millisecond)
	cancel()
	<-done
	fake.SetFaults(wechat.Faults{})
	// With an hour's lease, anything left "sending" would never be retried.
	var stuck int64
	gdb.Table("notice_sends").Where("status = 'sending'").Count(&stuck)
	if stuck != 0 {
		t.Fatalf("%d sends left claimed after shutdown", stuck)
	}
	d2 := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Idle: 10 * time.Millisecond})
	ctx2, cancel2 := context.WithCancel(context.Background())
	go deliverUntil(ctx2, d2)
	waitDrained(t, gdb)
	cancel2()
	got := received(tpl)
	if len(got) != n {
		t.Fatalf("%d residents got the message, want %d", len(got), n)
	}
	for openid, k := range got {
		if k != 1 {
			t.Fatalf("%s got %d messages", openid, k)
		}
	}
}

// TestDeliveryShutdownAfterClaim: a shutdown that comes after the claim
// has marked sends as sending but before they were loaded leaves none of
// them claimed (regression: the load ran after the claim's commit, so the
// batch stayed "sending" until its lease ended, an hour here).
func TestDeliveryShutdownAfterClaim(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const n, tpl = 5, "TPL_CLAIMSTOP"
	seedSends(t, gdb, s, n, tpl)
	client := wechat.New(wechat.Config{AppID: "wxclaimstop", AppSecret: "s"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The shutdown arrives just as the claimed sends are about to be loaded.
	const hook = "test:shutdown-before-load"
	if err := gdb.Callback().Row().Before("gorm:row").Register(hook, func(q *gorm.DB) {
		if e := q.Statement.TableExpr; e != nil && strings.HasPrefix(e.SQL, "notice_sends s") {
			cancel()
		}
	}); err != nil {
		t.Fatal(err)
	}
	d := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Batch: n, Lease: time.Hour})
	if _, err := d.DeliverOnce(ctx); err == nil {
		t.Fatal("DeliverOnce succeeded although the load was cancelled")
	}
	gdb.Callback().Row().Remove(hook)
	var stuck int64
	gdb.Table("notice_sends").Where("status = 'sending'").Count(&stuck)
	if stuck != 0 {
		t.Fatalf("%d sends left claimed after shutdown", stuck)
	}
	d2 := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Idle: 10 * time.Millisecond})
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go deliverUntil(ctx2, d2)
	waitDrained(t, gdb)
	if got := received(tpl); len(got) != n {
		t.Fatalf("%d residents got the message, want %d", len(got), n)
	}
}

// TestDeliveryRetries: 5xx and timeouts are retried, 45009 pauses, other
// errors are final, and a send gives up after MaxAttempts.
func TestDeliveryRetries(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	seedSends(t, gdb, s, 1, "TPL_RETRY")
	client := wechat.New(wechat.Config{AppID: "wxretry", AppSecret: "s"})
	var outcomes []string // as the metrics hear them
	d := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Backoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 3, Pause: 50 * time.Millisecond,
		Outcome: func(ch, o string) { outcomes = append(outcomes, ch+":"+o) }})
	status := func() (st string, attempts int) {
		row := gdb.Table("notice_sends").Select("status, attempts").Row()
		row.Scan(&st, &attempts)
		return
	}
	once := func() {
		time.Sleep(5 * time.Millisecond)
		if _, err := d.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	defer fake.SetFaults(wechat.Faults{})

	fake.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 45009})
	once()
	if st, a := status(); st != "pending" || a != 0 {
		t.Fatalf("after 45009: %s, %d attempts; want pending, 0", st, a)
	}
	if k, _ := d.DeliverOnce(context.Background()); k != 0 {
		t.Fatal("a paused worker sent")
	}
	time.Sleep(60 * time.Millisecond)
	fake.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 503})
	once()
	once()
	if st, a := status(); st != "pending" || a != 2 {
		t.Fatalf("after two 503s: %s, %d attempts", st, a)
	}
	once()
	if st, a := status(); st != "failed" || a != 3 {
		t.Fatalf("after MaxAttempts: %s, %d attempts", st, a)
	}

	// 40003 (bad openid) is final at once.
	gdb.Exec("UPDATE notice_sends SET status = 'pending', attempts = 0, due_at = ?", time.Now().UTC())
	fake.SetFaults(wechat.Faults{FailEvery: 1, ErrCode: 40003})
	once()
	if st, a := status(); st != "failed" || a != 1 {
		t.Fatalf("after 40003: %s, %d attempts", st, a)
	}
	want := []string{"wechat:paused", "wechat:retry", "wechat:retry", "wechat:failed", "wechat:failed"}
	if !slices.Equal(outcomes, want) {
		t.Fatalf("outcomes %v, want %v", outcomes, want)
	}
}

// TestDeliveryGate: the shared gate grants one send per send made; a
// closed gate sends nothing and hands the sends back.
func TestDeliveryGate(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	seedSends(t, gdb, s, 3, "TPL_GATE")
	client := wechat.New(wechat.Config{AppID: "wxgate", AppSecret: "s"})

	closed := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Gate: func(context.Context, int) (int, error) { return 0, errors.New("redis down") }})
	if _, err := closed.DeliverOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pending int64
	gdb.Table("notice_sends").Where("status = 'pending' AND attempts = 0").Count(&pending)
	if got := received("TPL_GATE"); len(got) != 0 || pending != 3 {
		t.Fatalf("closed gate: received %v, %d sends pending with no attempt; want none and 3", got, pending)
	}

	var passed atomic.Int64
	open := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Gate: func(_ context.Context, n int) (int, error) { passed.Add(int64(n)); return n, nil }})
	if _, err := open.DeliverOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := received("TPL_GATE"); len(got) != 3 || passed.Load() != 3 {
		t.Fatalf("open gate: received %v through %d passes; want 3 and 3", got, passed.Load())
	}
}

// deliverUntil delivers until ctx ends, as serve's task does: a round
// after another, waiting Idle after one that found nothing.
func deliverUntil(ctx context.Context, d *Deliverer) {
	for ctx.Err() == nil {
		if n, err := d.DeliverOnce(ctx); n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(d.Idle()):
			}
		}
	}
}
