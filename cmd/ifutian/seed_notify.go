package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/futian/ifutian/notify"
)

// demoNotices loads the notify module's demo data for seed --demo; running it twice changes nothing.
// The demo residents get a welcome notice in their inbox, demo_editor has
// a notice to the elderly of 香蜜湖街道 waiting for demo_reviewer, and a
// published warning with statistics to look at (demoPublishedNotice).
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

	if err := a.demoPublishedNotice(ctx, ids, out); err != nil {
		return err
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

// demoPublishedTitle is the title of the demo's published notice.
const demoPublishedTitle = "台风“海葵”橙色预警：请减少外出"

// demoPublishedNotice publishes a warning of demo_editor's, approved by
// demo_reviewer, to every resident, with a subscribe message the demo
// residents have consented to: its statistics show reads and an
// acknowledgement by street, and its WeChat messages go out (the progress)
// once the server runs. Running it twice changes nothing.
func (a *instance) demoPublishedNotice(ctx context.Context, residentIDs []int64, out io.Writer) error {
	var have int64
	if err := a.db.WithContext(ctx).Table("notices").Where("title = ?", demoPublishedTitle).Count(&have).Error; err != nil || have > 0 {
		return err
	}
	editor, err := a.demoAccount(ctx, "demo_editor")
	if err != nil {
		return err
	}
	reviewer, err := a.demoAccount(ctx, "demo_reviewer")
	if err != nil {
		return err
	}
	for _, id := range residentIDs {
		if _, err := a.Notify.SaveSubscriptions(ctx, id, map[string]string{"DEMO_WARNING": "accept"}); err != nil {
			return fmt.Errorf("demo consent: %w", err)
		}
	}
	regions := a.Residents.Regions()
	n, err := a.Notify.Create(ctx, editor, regions, notify.Draft{
		Title: demoPublishedTitle, Category: "warning", RequireAck: true,
		Body:      "受台风“海葵”影响，今明两天我区有暴雨和 10 级以上阵风。请居民减少外出，收好阳台杂物，远离广告牌和临时搭建物。如遇险情请拨打 119 或 12345。",
		Subscribe: &notify.Subscribe{TemplateID: "DEMO_WARNING", Data: map[string]string{"thing1": "台风橙色预警"}, Page: "pages/notices/index"},
	})
	if err != nil {
		return fmt.Errorf("demo published notice: %w", err)
	}
	if _, err := a.Notify.Submit(ctx, editor, regions, n.ID); err != nil {
		return fmt.Errorf("demo published notice: %w", err)
	}
	if _, err := a.Notify.Approve(ctx, reviewer, regions, n.ID); err != nil {
		return fmt.Errorf("demo published notice: %w", err)
	}
	if _, err := a.Notify.PublishDue(ctx); err != nil {
		return fmt.Errorf("demo published notice: %w", err)
	}
	// The first resident reads and acknowledges it, the second only reads it.
	for i, id := range residentIDs[:min(2, len(residentIDs))] {
		if _, err := a.Notify.Open(ctx, id, n.ID); err != nil {
			return fmt.Errorf("demo read: %w", err)
		}
		if i == 0 {
			if _, err := a.Notify.Ack(ctx, id, n.ID); err != nil {
				return fmt.Errorf("demo ack: %w", err)
			}
		}
	}
	fmt.Fprintln(out, "demo notices: a published warning with statistics (read, acknowledged, WeChat sends going out when the server runs)")
	return nil
}
