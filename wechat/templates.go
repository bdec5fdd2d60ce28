package wechat

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
)

// Template is one subscribe-message template of the account (its 个人模板
// list, wxaapi/newtmpl/gettemplate).
type Template struct {
	ID       string // priTmplId, what a send names
	Title    string
	LongTerm bool   // 长期订阅 (WeChat's type 3); else one-time (type 2)
	Content  string // e.g. "活动名称:{{thing1.DATA}}\n活动时间:{{time2.DATA}}\n"
	Keywords []Keyword
}

// Keyword is one field of a template: its name in a send's data (thing1)
// and the label WeChat shows beside it (活动名称).
type Keyword struct {
	Name, Label string
}

// templatesTTL is how long the template list is kept: staff pick from it
// while composing, and templates change seldom (added in the WeChat admin
// console), so a minute's staleness costs nothing.
const templatesTTL = time.Minute

// templateCache keeps the account's template list briefly.
type templateCache struct {
	mu   sync.Mutex
	at   time.Time
	list []Template
}

// keywordLine matches one keyword of a template's content: "label:{{name.DATA}}".
var keywordLine = regexp.MustCompile(`([^\n:：]*)[:：]\s*\{\{\s*([A-Za-z_]+[0-9]*)\.DATA\s*\}\}`)

// parseKeywords reads a template's keywords from its content, in order.
func parseKeywords(content string) []Keyword {
	out := []Keyword{}
	for _, m := range keywordLine.FindAllStringSubmatch(content, -1) {
		out = append(out, Keyword{Name: m[2], Label: strings.TrimSpace(m[1])})
	}
	return out
}

// Templates returns the account's subscribe-message templates, fetched
// through the SDK's ListTemplates and kept for a minute (errors are not
// kept). Errors are as for every call: *Error for a WeChat refusal,
// wrapping ErrUnavailable when WeChat could not answer.
func (c *Client) Templates(ctx context.Context) ([]Template, error) {
	c.templates.mu.Lock()
	defer c.templates.mu.Unlock()
	if c.templates.list != nil && time.Since(c.templates.at) < templatesTTL {
		return c.templates.list, nil
	}
	var res *subscribe.TemplateList
	err := c.withToken(ctx, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		res, err = c.mp.GetSubscribe().ListTemplates()
		return err
	})
	if err != nil {
		return nil, translate("list templates", err, c.secret)
	}
	list := make([]Template, 0, len(res.Data))
	for _, t := range res.Data {
		list = append(list, Template{
			ID: t.PriTmplID, Title: t.Title, LongTerm: t.Type == 3, Content: t.Content, Keywords: parseKeywords(t.Content),
		})
	}
	c.templates.list, c.templates.at = list, time.Now()
	return list, nil
}

// HasTemplate reports whether id is one of the account's templates.
// Errors as Templates.
func (c *Client) HasTemplate(ctx context.Context, id string) (bool, error) {
	list, err := c.Templates(ctx)
	if err != nil {
		return false, fmt.Errorf("check template: %w", err)
	}
	for _, t := range list {
		if t.ID == id {
			return true, nil
		}
	}
	return false, nil
}
