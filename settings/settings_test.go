package settings

import (
	"errors"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
)

func TestEffective(t *testing.T) {
	base := notify.Config{Quiet: notify.DefaultQuietHours, DailyCap: 3}
	tpl := "deduction_recorded=TPL_A:thing1=title,time2=time"
	for _, tc := range []struct {
		name      string
		stored    map[Key]string
		quiet     string
		cap       int
		templates int
		bad       bool
	}{
		{"nothing stored: the environment's", nil, "22:00-08:00", 3, 0, false},
		{"quiet hours off", map[Key]string{QuietHours: "off"}, "off", 3, 0, false},
		{"all three", map[Key]string{QuietHours: "21:00-07:00", DailyCap: "0", WeChatTemplates: tpl}, "21:00-07:00", 0, 1, false},
		{"a stored value that no longer parses is skipped, the rest applies", map[Key]string{QuietHours: "soon", DailyCap: "5"}, "22:00-08:00", 5, 0, true},
		{"a cap past the bound is skipped", map[Key]string{DailyCap: "500"}, "22:00-08:00", 3, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Effective(base, tc.stored)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want an error: %v", err, tc.bad)
			}
			if c.Quiet.String() != tc.quiet || c.DailyCap != tc.cap || len(c.Templates) != tc.templates {
				t.Fatalf("got quiet %s cap %d templates %d", c.Quiet, c.DailyCap, len(c.Templates))
			}
		})
	}
}

func TestChangeValidate(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name  string
		ch    Change
		field string
	}{
		{"quiet hours not a window", Change{QuietHours: s("8pm")}, "quiet_hours"},
		{"quiet hours blank", Change{QuietHours: s(" ")}, "quiet_hours"},
		{"templates with a source carrying staff text", Change{WeChatTemplates: s("activity_cancelled=TPL_X:thing1=activity")}, "wechat_templates"},
		{"set and reset at once", Change{QuietHours: s("off"), Reset: []Key{QuietHours}}, "reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.ch.validate()
			if err == nil || !containsField(err, tc.field) {
				t.Fatalf("err = %v, want one naming %s", err, tc.field)
			}
		})
	}
	v, err := Change{QuietHours: s(" 23:30 - 06:15 ")}.validate()
	if err != nil || v[QuietHours] != "23:30-06:15" {
		t.Fatalf("normalised: %v %v", v, err)
	}
}

func containsField(err error, field string) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return false
	}
	_, ok := ae.Fields[field]
	return ok
}
