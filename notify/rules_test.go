package notify

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestQuietHoursUntil(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 5, 1, h, m, 0, 0, time.FixedZone("CST", 8*3600)) }
	night := DefaultQuietHours // 22:00-08:00
	day := QuietHours{Start: 12 * time.Hour, End: 14 * time.Hour}
	for _, c := range []struct {
		name  string
		q     QuietHours
		t     time.Time
		quiet bool
		until time.Time
	}{
		{"evening before", night, at(21, 59), false, time.Time{}},
		{"at start", night, at(22, 0), true, at(8, 0).AddDate(0, 0, 1)},
		{"before midnight", night, at(23, 30), true, at(8, 0).AddDate(0, 0, 1)},
		{"after midnight", night, at(3, 0), true, at(8, 0)},
		{"at end", night, at(8, 0), false, time.Time{}},
		{"noon window in", day, at(13, 0), true, at(14, 0)},
		{"noon window out", day, at(23, 0), false, time.Time{}},
		{"off", QuietHours{}, at(23, 0), false, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			until, quiet := c.q.Until(c.t)
			if quiet != c.quiet || !until.Equal(c.until) {
				t.Fatalf("Until(%v) = %v, %v; want %v, %v", c.t, until, quiet, c.until, c.quiet)
			}
		})
	}
}

func TestParseQuietHours(t *testing.T) {
	for in, want := range map[string]string{"22:00-08:00": "22:00-08:00", "off": "off", " 23:30 - 06:15 ": "23:30-06:15"} {
		q, err := ParseQuietHours(in)
		if err != nil || q.String() != want {
			t.Errorf("ParseQuietHours(%q) = %v, %v; want %s", in, q, err, want)
		}
	}
	for _, in := range []string{"22-08", "22:00", "25:00-08:00", "08:00-08:00"} {
		if _, err := ParseQuietHours(in); err == nil {
			t.Errorf("ParseQuietHours(%q) succeeded", in)
		}
	}
}

func TestParseTemplates(t *testing.T) {
	got, err := ParseTemplates("deduction_recorded=TPL_A:thing1=title,number2=points,time3=time; appeal_decided=TPL-B:phrase1=result")
	if err != nil {
		t.Fatal(err)
	}
	want := map[SystemKind]KindTemplate{
		KindDeductionRecorded: {TemplateID: "TPL_A", Fields: map[string]string{"thing1": "title", "number2": "points", "time3": "time"}},
		KindAppealDecided:     {TemplateID: "TPL-B", Fields: map[string]string{"phrase1": "result"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, w := range want {
		if g := got[k]; g.TemplateID != w.TemplateID || !maps.Equal(g.Fields, w.Fields) {
			t.Fatalf("%s: got %v, want %v", k, g, w)
		}
	}
	for _, bad := range []string{
		"nosuch_kind=TPL:thing1=title",                                // unknown kind
		"deduction_recorded=TPL",                                      // no keywords
		"deduction_recorded=TPL:thing1=program",                       // not a field of the kind
		"deduction_recorded=TPL:Thing=title",                          // bad keyword
		"deduction_recorded=T P L:thing1=title",                       // bad template ID
		"appeal_decided=A:thing1=title;appeal_decided=B:thing1=title", // twice
	} {
		if _, err := ParseTemplates(bad); err == nil {
			t.Errorf("ParseTemplates(%q) succeeded", bad)
		}
	}
}

func TestDecideCaps(t *testing.T) {
	c := func(id, resident int64, under bool) candidate {
		return candidate{ID: id, ResidentID: resident, UnderCap: under}
	}
	for _, tc := range []struct {
		name     string
		cands    []candidate
		sent     map[int64]int
		limit    int
		admitted []int64
		capped   []int64
		counts   map[int64]int
	}{
		{"under the cap", []candidate{c(1, 10, true), c(2, 11, true)}, nil, 3, []int64{1, 2}, nil, map[int64]int{10: 1, 11: 1}},
		{"at the cap", []candidate{c(1, 10, true)}, map[int64]int{10: 3}, 3, nil, []int64{1}, map[int64]int{}},
		{"two in one batch reach it", []candidate{c(1, 10, true), c(2, 10, true), c(3, 10, true)}, map[int64]int{10: 1}, 3,
			[]int64{1, 2}, []int64{3}, map[int64]int{10: 3}},
		{"exempt sends pass and don't count", []candidate{c(1, 10, false), c(2, 10, true)}, map[int64]int{10: 3}, 3,
			[]int64{1}, []int64{2}, map[int64]int{}},
		{"no cap", []candidate{c(1, 10, true)}, map[int64]int{10: 99}, 0, []int64{1}, nil, map[int64]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decideCaps(tc.cands, tc.sent, tc.limit)
			var capped []int64
			for _, x := range d.Capped {
				capped = append(capped, x.ID)
			}
			if !slices.Equal(d.Admitted, tc.admitted) || !slices.Equal(capped, tc.capped) || !maps.Equal(d.Sent, tc.counts) {
				t.Fatalf("got admitted %v capped %v counts %v; want %v %v %v", d.Admitted, capped, d.Sent, tc.admitted, tc.capped, tc.counts)
			}
		})
	}
}

func TestSubscribeDataShapes(t *testing.T) {
	var flat, wechat Subscribe
	if err := json.Unmarshal([]byte(`{"template_id":"T","data":{"thing1":"停水","time2":"2026-05-01 08:00"}}`), &flat); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"template_id":"T","data":{"thing1":{"value":"停水"},"time2":{"value":"2026-05-01 08:00"}}}`), &wechat); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(flat.Data, wechat.Data) || flat.Data["thing1"] != "停水" {
		t.Fatalf("flat %v, WeChat's shape %v", flat.Data, wechat.Data)
	}
	out, _ := json.Marshal(wechat)
	if !strings.Contains(string(out), `"thing1":"停水"`) {
		t.Fatalf("written %s, want the flat shape", out)
	}
	for _, bad := range []string{`{"data":{"thing1":1}}`, `{"data":{"thing1":{"v":"x"}}}`, `{"data":["x"]}`} {
		var s Subscribe
		var te *json.UnmarshalTypeError
		err := json.Unmarshal([]byte(bad), &s)
		if err == nil || !errors.As(err, &te) {
			t.Errorf("%s: %v, want a type error", bad, err)
		}
	}
}

func TestKindData(t *testing.T) {
	tpl := KindTemplate{TemplateID: "T", Fields: map[string]string{
		"thing1": "title", "character_string2": "case_ref", "phrase3": "result", "time4": "time", "thing5": "body",
	}}
	at := time.Date(2026, 5, 1, 1, 2, 0, 0, time.UTC)
	got := kindData(tpl, "您有一条扣分记录，请在规定期限内查看并申诉", "正文", map[string]string{"case_ref": "福田城管罚〔2026〕12号", "result": "申诉已通过审核"}, at)
	want := map[string]string{
		"thing1": "您有一条扣分记录，请在规定期限内查看并…", "character_string2": "福田城管罚〔2026〕12号", "phrase3": "申诉已通过",
		"time4": "2026-05-01 09:02", "thing5": "正文",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}
