package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/futian/ifutian/notify"
)

// demoNotices loads the notify module's demo data for seed --demo; running it twice changes nothing.
// The demo residents get a welcome notice in their inbox, and demo_editor
// has a notice to the elderly of 香蜜湖街道 waiting for demo_reviewer.
func (a *instance) demoNotices(ctx context.Context, out io.Writer) error {
	var ids []int64
	err := a.db.WithContext(ctx).Table("residents").
		Where("openid IN ?", []string{"mock_alice", "mock_bob", "mock_carol"}).Pluck("id", &ids).Error
	if err != nil {
		return err
	}
	err = a.Notify.SendDirect(ctx, notify.DirectNotice{
		Title: "欢迎使用 i福田", Body: "您可以在这里收到街道和社区的通知。", Category: "policy",
		ResidentIDs: ids, Source: "demo:welcome",
	})
	if err != nil {
		return fmt.Errorf("demo welcome notice: %w", err)
	}

	const title = "流感疫苗免费接种通知"
	var have int64
	a.db.WithContext(ctx).Table("notices").Where("title = ?", title).Count(&have)
	if have > 0 {
		return nil
	}
	var editorID int64
	if err := a.db.WithContext(ctx).Table("staff").Where("username = ?", "demo_editor").Pluck("id", &editorID).Error; err != nil || editorID == 0 {
		return fmt.Errorf("demo notice: demo_editor not found: %v", err)
	}
	editor, err := a.Staff.FindByID(ctx, editorID)
	if err != nil {
		return err
	}
	age := 60
	n, err := a.Notify.Create(ctx, editor, a.Residents.Regions(), notify.Draft{
		Title: title, Body: "60 岁以上居民可到社区健康服务中心免费接种流感疫苗。", Category: "health",
		Audience:  notify.Audience{Streets: []string{"香蜜湖街道"}, AgeMin: &age},
		PublishAt: new(time.Now().Add(time.Hour)), RequireAck: true,
		Subscribe: &notify.Subscribe{TemplateID: "DEMO_TEMPLATE", Data: map[string]string{"thing1": "流感疫苗接种"}, Page: "pages/notices/index"},
	})
	if err != nil {
		return fmt.Errorf("demo notice: %w", err)
	}
	if _, err := a.Notify.Submit(ctx, editor, a.Residents.Regions(), n.ID); err != nil {
		return fmt.Errorf("demo notice: %w", err)
	}
	fmt.Fprintln(out, "demo notices: a welcome notice in the demo residents' inboxes; one notice submitted by demo_editor for demo_reviewer to approve")
	return nil
}
