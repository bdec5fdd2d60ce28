package notify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

func TestSummarize(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"Short":      {"请到社区接种。", "请到社区接种。"},
		"Whitespace": {"  第一行\n\n第二行\t 第三行  ", "第一行 第二行 第三行"},
		"Control":    {"甲\u0000乙", "甲 乙"},
		"Exactly80":  {strings.Repeat("字", 80), strings.Repeat("字", 80)},
		"Cut":        {strings.Repeat("字", 81), strings.Repeat("字", 79) + "…"},
		"Empty":      {"", ""},
		// A list reads the first summaryPrefix characters only: then the
		// body was longer, even if folding made it short.
		"PrefixRead": {strings.Repeat(" ", summaryPrefix-1) + "字", "字…"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := summarize(tc.body); got != tc.want {
				t.Fatalf("summarize = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTargetPage(t *testing.T) {
	for _, tc := range []struct {
		t     Target
		page  string
		valid bool
	}{
		{Target{TargetRequest, "9"}, "pages/requests/detail?id=9", true},
		{Target{TargetActivity, "12"}, "pages/activities/detail?id=12", true},
		{Target{TargetSurvey, "3"}, "pages/surveys/detail?id=3", true},
		{Target{TargetDeduction, "4"}, "pages/points/transaction?id=4", true},
		{Target{TargetAppeal, "5"}, "pages/points/appeals?id=5", true},
		{Target{TargetEnterprise, "91440304MA5000001D"}, "pages/enterprises/detail?uscc=91440304MA5000001D", true},
		{Target{TargetBenefits, "91440304MA5000001D"}, "pages/enterprises/benefits?uscc=91440304MA5000001D", true},
		{Target{"phish", "1"}, "", false},
		{Target{TargetRequest, "9&u=https://evil"}, "pages/requests/detail?id=9%26u%3Dhttps%3A%2F%2Fevil", false},
		{Target{targetNoticeSelf, "1"}, "pages/notices/detail?id=1", false},
	} {
		if got := tc.t.Page(); got != tc.page || tc.t.valid() != tc.valid {
			t.Errorf("%+v: page %q valid %v, want %q %v", tc.t, got, tc.t.valid(), tc.page, tc.valid)
		}
	}
}

// TestDirectNoticeData: a kind's fields take their shape only, so no
// template can carry free text; a kind needs its target.
func TestDirectNoticeData(t *testing.T) {
	base := func() DirectNotice {
		return DirectNotice{Kind: KindDeductionRecorded, Title: "积分扣减通知", Body: "b", Source: "s",
			Data: map[string]string{"points": "10", "deadline": "2026-12-31 23:59"}, Target: &Target{TargetDeduction, "1"}}
	}
	for name, tc := range map[string]struct {
		change func(d *DirectNotice)
		field  string
	}{
		"OK":             {func(*DirectNotice) {}, ""},
		"ErrFreeText":    {func(d *DirectNotice) { d.Data["points"] = "10 请点击 https://evil" }, "data.points"},
		"ErrUndeclared":  {func(d *DirectNotice) { d.Data["case_ref"] = "〔2026〕1号" }, "data"},
		"ErrNoTarget":    {func(d *DirectNotice) { d.Target = nil }, "target"},
		"ErrWrongTarget": {func(d *DirectNotice) { d.Target = &Target{TargetRequest, "1"} }, "target"},
		"ErrBadTargetID": {func(d *DirectNotice) { d.Target = &Target{TargetDeduction, "1 2"} }, "target"},
		"ErrResult": {func(d *DirectNotice) {
			d.Kind, d.Data, d.Target = KindAppealDecided, map[string]string{"result": "随便"}, &Target{TargetAppeal, "1"}
		}, "data.result"},
	} {
		t.Run(name, func(t *testing.T) {
			d := base()
			tc.change(&d)
			err := d.validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields[tc.field] == "" {
				t.Fatalf("validate = %v, want an error naming %s", err, tc.field)
			}
		})
	}
}

// TestSystemMessagesNeverUrgent: a system message waits out quiet hours
// even in an urgent category (a declaration's reminder is "health"); a
// department's health notice does not.
func TestSystemMessagesNeverUrgent(t *testing.T) {
	s := New(Deps{Config: Config{Quiet: DefaultQuietHours, DailyCap: 3}})
	night := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // 23:00 in the district
	for _, tc := range []struct {
		n      Notice
		urgent bool
		status string
		capped bool
	}{
		{Notice{Category: "health"}, true, "pending", false},
		{Notice{Category: "health", Kind: string(KindSurveyReminder)}, false, "held", true},
		{Notice{Category: "policy", Kind: string(KindDeductionRecorded)}, false, "held", false},
		{Notice{Category: "policy"}, false, "held", true},
	} {
		r := s.rulesFor(&tc.n, night)
		if r.urgent != tc.urgent || r.status != tc.status || r.underCap != tc.capped {
			t.Errorf("%s/%q: %+v, want urgent %v, %s, capped %v", tc.n.Category, tc.n.Kind, r, tc.urgent, tc.status, tc.capped)
		}
	}
}
