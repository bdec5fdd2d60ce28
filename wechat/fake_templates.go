package wechat

import "net/http"

// FakeTemplate is a subscribe template the fake's account has, in
// WeChat's wire format (gettemplate): Type 2 is one-time, 3 long-term.
type FakeTemplate struct {
	PriTmplID string `json:"priTmplId"`
	Title     string `json:"title"`
	Content   string `json:"content"`
	Example   string `json:"example"`
	Type      int    `json:"type"`
}

// DefaultFakeTemplates are the templates a new Fake's account has: those
// the demo data (seed --demo) uses and one of each kind for notices.
func DefaultFakeTemplates() []FakeTemplate {
	return []FakeTemplate{
		{PriTmplID: "DEMO_TEMPLATE", Title: "社区通知提醒", Type: 2,
			Content: "通知内容:{{thing1.DATA}}\n发布时间:{{time2.DATA}}\n", Example: "通知内容:流感疫苗接种\n发布时间:2026年12月1日 10:00\n"},
		{PriTmplID: "DEMO_WARNING", Title: "预警信息通知", Type: 3,
			Content: "预警内容:{{thing1.DATA}}\n发布时间:{{time2.DATA}}\n", Example: "预警内容:台风橙色预警\n发布时间:2026年12月1日 10:00\n"},
		{PriTmplID: "DEMO_ACTIVITY", Title: "活动变更通知", Type: 2,
			Content: "活动时间:{{time1.DATA}}\n温馨提示:{{thing2.DATA}}\n", Example: "活动时间:2026年12月1日 10:00\n温馨提示:请在小程序中查看\n"},
	}
}

// SetTemplates replaces the account's subscribe templates.
func (f *Fake) SetTemplates(ts []FakeTemplate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tmpls = append([]FakeTemplate(nil), ts...)
}

// listTemplates answers GET /wxaapi/newtmpl/gettemplate.
func (f *Fake) listTemplates(w http.ResponseWriter, _ *http.Request, _ string) {
	f.mu.Lock()
	data := append([]FakeTemplate{}, f.tmpls...)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "data": data})
}
