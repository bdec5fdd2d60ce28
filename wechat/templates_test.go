package wechat

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestTemplates: the account's templates come back with their type and
// keywords read from the content, are kept briefly (a change in WeChat
// shows after the cache), and WeChat's refusals and outages are errors
// (not kept: the next call asks again).
func TestTemplates(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { testFake.SetTemplates(DefaultFakeTemplates()) })
	testFake.SetTemplates([]FakeTemplate{
		{PriTmplID: "tplA", Title: "活动报名结果通知", Type: 2, Content: "活动名称:{{thing1.DATA}}\n活动时间:{{time2.DATA}}\n"},
		{PriTmplID: "tplB", Title: "预警通知", Type: 3, Content: "预警内容：{{thing3.DATA}}\n"},
	})

	t.Run("OK", func(t *testing.T) {
		c, _ := newTestClient(t)
		got, err := c.Templates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "tplA" || got[0].LongTerm || got[0].Title != "活动报名结果通知" ||
			!slices.Equal(got[0].Keywords, []Keyword{{"thing1", "活动名称"}, {"time2", "活动时间"}}) ||
			got[1].ID != "tplB" || !got[1].LongTerm || !slices.Equal(got[1].Keywords, []Keyword{{"thing3", "预警内容"}}) {
			t.Fatalf("templates %+v", got)
		}
		// Kept: a template added meanwhile shows after the cache expires.
		testFake.SetTemplates(nil)
		if again, err := c.Templates(ctx); err != nil || len(again) != 2 {
			t.Fatalf("cached templates %+v, %v", again, err)
		}
		if ok, err := c.HasTemplate(ctx, "tplB"); !ok || err != nil {
			t.Fatalf("HasTemplate(tplB) = %v, %v", ok, err)
		}
		if ok, err := c.HasTemplate(ctx, "nope"); ok || err != nil {
			t.Fatalf("HasTemplate(nope) = %v, %v", ok, err)
		}
	})
	t.Run("ErrRefused", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetFaults(Faults{FailEvery: 1, ErrCode: 48001})
		_, err := c.Templates(ctx)
		var we *Error
		if !errors.As(err, &we) || we.Code != 48001 {
			t.Fatalf("err %v, want wechat errcode 48001", err)
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetFaults(Faults{FailEvery: 1, ErrCode: 502})
		if _, err := c.Templates(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err %v, want ErrUnavailable", err)
		}
		// Errors are not kept.
		testFake.SetFaults(Faults{})
		if _, err := c.Templates(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
