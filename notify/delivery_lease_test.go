package notify

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/wechat"
)

// TestDeliveryLeaseRunsOutBeforeWire: a send that waits (here in the
// shared rate gate) past its lease before going on the wire must not go
// out if another Deliverer may have taken it meanwhile. Regression: the
// waiting Deliverer sent it after the other had already sent it again, so
// the resident got it twice with both processes alive.
func TestDeliveryLeaseRunsOutBeforeWire(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const tpl = "TPL_LEASE_WIRE"
	seedSends(t, gdb, s, 1, tpl)
	client := wechat.New(wechat.Config{AppID: "wxleasewire", AppSecret: "s"})
	const lease = 300 * time.Millisecond
	// A's gate holds its one send until B has delivered it, or long past
	// the lease if B never gets it.
	slow := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Lease: lease, Gate: func(ctx context.Context, n int) (int, error) {
		deadline := time.Now().Add(10 * lease)
		for time.Now().Before(deadline) && len(received(tpl)) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		return n, nil
	}})
	other := s.NewDeliverer(client, DeliveryConfig{Rate: 1000, Lease: lease})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := slow.DeliverOnce(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(20 * time.Millisecond):
			if _, err := other.DeliverOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Whatever A handed back, B delivers now.
	for range 50 {
		if _, err := other.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(lease / 10)
	}
	waitDrained(t, gdb)
	for openid, k := range received(tpl) {
		if k != 1 {
			t.Fatalf("%s got the message %d times with both Deliverers alive", openid, k)
		}
	}
	if got := received(tpl); len(got) != 1 {
		t.Fatalf("%d residents got the message, want 1", len(got))
	}
}

// TestDeliveryTwoAliveOnce: two Deliverers on one database, a WeChat that
// is slow and fails every third call, batches that take longer than the
// lease: every resident gets the notice exactly once, since a long batch
// renews its lease and a send whose lease no longer covers the call is
// handed back instead of sent.
func TestDeliveryTwoAliveOnce(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const n, tpl = 60, "TPL_TWO_ALIVE"
	seedSends(t, gdb, s, n, tpl)
	client := wechat.New(wechat.Config{AppID: "wxtwoalive", AppSecret: "s"})
	fake.SetFaults(wechat.Faults{FailEvery: 3, ErrCode: 500, DelayMS: 20})
	defer fake.SetFaults(wechat.Faults{})
	// 20 a second each in batches of 40: a batch takes 2 s, the lease is 1 s.
	cfg := DeliveryConfig{Rate: 20, Batch: 40, Lease: time.Second, CallTimeout: 500 * time.Millisecond,
		Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 20, Idle: 10 * time.Millisecond}
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
		if k != 1 {
			t.Fatalf("%s got the message %d times with both Deliverers alive", openid, k)
		}
	}
	var sent int64
	gdb.Table("notice_sends").Where("status = 'sent'").Count(&sent)
	if sent != n {
		t.Fatalf("%d sends recorded sent, want %d", sent, n)
	}
}
