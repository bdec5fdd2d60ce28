package sms

import (
	"context"
	"strings"
	"testing"
)

// TestClientAgainstFake: the SDK's SendSms reaches the fake in Tencent
// Cloud's wire format; per-number, request and HTTP failures map to final,
// transient and daily-limit errors that never carry the number.
func TestClientAgainstFake(t *testing.T) {
	f := NewFake()
	url, stop, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	c, err := New(Config{SecretID: "AKID", SecretKey: "key", SdkAppID: "1400000001", SignName: "i福田", TemplateID: "123", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SendSMS(ctx, "13800001111", []string{"台风预警"}); err != nil {
		t.Fatal(err)
	}
	got := f.Messages()
	if len(got) != 1 || got[0].Phone != "+8613800001111" || got[0].TemplateID != "123" || got[0].SignName != "i福田" || got[0].Params[0] != "台风预警" {
		t.Fatalf("received %+v", got)
	}
	for _, tc := range []struct {
		code                string
		transient, dayLimit bool
	}{
		{"InvalidParameterValue.IncorrectPhoneNumber", false, false},
		{"LimitExceeded.PhoneNumberThirtySecondLimit", true, false},
		{"LimitExceeded.AppDailyLimit", false, true},
		{"InternalError.Timeout", true, false},
		{"HTTP502", true, false},
	} {
		f.SetFaults(Faults{FailEvery: 1, Code: tc.code})
		err := c.SendSMS(ctx, "13800002222", []string{"x"})
		if err == nil || IsTransient(err) != tc.transient || IsDailyLimit(err) != tc.dayLimit || strings.Contains(err.Error(), "13800002222") {
			t.Errorf("%s: err %v (transient %v, daily limit %v)", tc.code, err, IsTransient(err), IsDailyLimit(err))
		}
	}
	if len(f.Messages()) != 1 {
		t.Fatalf("failed sends were recorded: %+v", f.Messages())
	}
}
