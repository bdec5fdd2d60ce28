package main

import (
	"fmt"
	"strings"

	"github.com/futian/ifutian/notify"
)

// loadNotifyConfig reads the settings of notices' delivery: system
// messages' templates, long-term templates, quiet hours, the daily cap and
// the SMS account. Every bad value is reported through bad.
func loadNotifyConfig(c *Config, getenv func(string) string, bad func(name, format string, args ...any)) {
	var err error
	if c.Notify.Templates, err = notify.ParseTemplates(getenv("IFUTIAN_WECHAT_TEMPLATES")); err != nil {
		bad("IFUTIAN_WECHAT_TEMPLATES", "%v", err)
	}
	if c.Notify.LongTerm, err = notify.ParseTemplateList(getenv("IFUTIAN_WECHAT_LONG_TERM")); err != nil {
		bad("IFUTIAN_WECHAT_LONG_TERM", "%v", err)
	}
	c.Notify.Quiet = notify.DefaultQuietHours
	if v := getenv("IFUTIAN_QUIET_HOURS"); v != "" {
		if c.Notify.Quiet, err = notify.ParseQuietHours(v); err != nil {
			bad("IFUTIAN_QUIET_HOURS", "%v", err)
		}
	}
	c.Notify.DailyCap = 3
	if v := getenv("IFUTIAN_NOTICE_DAILY_CAP"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &c.Notify.DailyCap); err != nil || c.Notify.DailyCap < 0 {
			bad("IFUTIAN_NOTICE_DAILY_CAP", "%q: want a whole number of messages per resident per day (0: no cap)", v)
		}
	}
	c.SMS = SMSConfig{
		SecretID: getenv("IFUTIAN_SMS_SECRET_ID"), SecretKey: getenv("IFUTIAN_SMS_SECRET_KEY"),
		SdkAppID: getenv("IFUTIAN_SMS_SDK_APP_ID"), SignName: getenv("IFUTIAN_SMS_SIGN"),
		TemplateID: getenv("IFUTIAN_SMS_TEMPLATE"), Region: or(getenv("IFUTIAN_SMS_REGION"), "ap-guangzhou"),
		URL: getenv("IFUTIAN_SMS_URL"), Rate: 50,
	}
	if s := c.SMS; s.SecretID != "" || s.SecretKey != "" {
		var missing []string
		for _, v := range []struct{ name, value string }{
			{"IFUTIAN_SMS_SECRET_ID", s.SecretID}, {"IFUTIAN_SMS_SECRET_KEY", s.SecretKey},
			{"IFUTIAN_SMS_SDK_APP_ID", s.SdkAppID}, {"IFUTIAN_SMS_SIGN", s.SignName}, {"IFUTIAN_SMS_TEMPLATE", s.TemplateID},
		} {
			if v.value == "" {
				missing = append(missing, v.name)
			}
		}
		if len(missing) > 0 {
			bad("IFUTIAN_SMS_SECRET_ID", "a Tencent Cloud SMS account also needs %s", strings.Join(missing, ", "))
		}
	}
	if u := c.SMS.URL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		bad("IFUTIAN_SMS_URL", "%q: want http://host:port", u)
	}
	if v := getenv("IFUTIAN_SMS_RATE"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &c.SMS.Rate); err != nil || c.SMS.Rate < 1 {
			bad("IFUTIAN_SMS_RATE", "%q: want a positive whole number of messages per second", v)
		}
	}
}
