package main

import (
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/notify"
)

func TestLoadNotifyConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.WeChatSendRate != notify.DefaultSendRate || c.Notify.Quiet != notify.DefaultQuietHours || c.Notify.DailyCap != 3 ||
			len(c.Notify.Templates) != 0 || !c.SMS.Fake() || c.SMS.Rate != 50 {
			t.Fatalf("defaults %+v", c)
		}
	})
	t.Run("OK", func(t *testing.T) {
		c, err := loadConfig(env("IFUTIAN_WECHAT_TEMPLATES", "deduction_recorded=TPL_D:thing1=title,number2=points",
			"IFUTIAN_WECHAT_LONG_TERM", "TPL_D, TPL_W", "IFUTIAN_QUIET_HOURS", "off", "IFUTIAN_NOTICE_DAILY_CAP", "0"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Notify.Templates[notify.KindDeductionRecorded].TemplateID != "TPL_D" || len(c.Notify.LongTerm) != 2 ||
			c.Notify.Quiet != (notify.QuietHours{}) || c.Notify.DailyCap != 0 {
			t.Fatalf("notify config %+v", c.Notify)
		}
		c, err = loadConfig(env("IFUTIAN_QUIET_HOURS", "23:00-07:30"))
		if err != nil || c.Notify.Quiet != (notify.QuietHours{Start: 23 * time.Hour, End: 7*time.Hour + 30*time.Minute}) {
			t.Fatalf("quiet hours %v, %v", c.Notify.Quiet, err)
		}
	})
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"ErrTemplatesKind":   {[]string{"IFUTIAN_WECHAT_TEMPLATES", "fortune=TPL:thing1=title"}, "IFUTIAN_WECHAT_TEMPLATES"},
		"ErrTemplatesSource": {[]string{"IFUTIAN_WECHAT_TEMPLATES", "appeal_decided=TPL:thing1=case_ref"}, "IFUTIAN_WECHAT_TEMPLATES"},
		// Sources that once quoted staff-written text stop the server.
		"ErrTemplatesStaffText": {[]string{"IFUTIAN_WECHAT_TEMPLATES", "activity_cancelled=TPL:thing1=activity"}, "IFUTIAN_WECHAT_TEMPLATES"},
		"ErrLongTerm":           {[]string{"IFUTIAN_WECHAT_LONG_TERM", "a b"}, "IFUTIAN_WECHAT_LONG_TERM"},
		"ErrQuietHours":         {[]string{"IFUTIAN_QUIET_HOURS", "night"}, "IFUTIAN_QUIET_HOURS"},
		"ErrDailyCap":           {[]string{"IFUTIAN_NOTICE_DAILY_CAP", "-1"}, "IFUTIAN_NOTICE_DAILY_CAP"},
		"ErrHalfSMS":            {[]string{"IFUTIAN_SMS_SECRET_ID", "AKID"}, "IFUTIAN_SMS_SDK_APP_ID"},
		"ErrSMSRate":            {[]string{"IFUTIAN_SMS_RATE", "fast"}, "IFUTIAN_SMS_RATE"},
		"ErrSMSURL":             {[]string{"IFUTIAN_SMS_URL", "localhost:9"}, "IFUTIAN_SMS_URL"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%v, want it to name %s", err, tc.want)
			}
		})
	}
}
