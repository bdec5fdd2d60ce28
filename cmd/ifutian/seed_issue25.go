package main

import (
	"context"
	"fmt"
	"io"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// demoKnowledge adds a few published knowledge entries of the demo
// department (written by demo_admin), unless entries with their questions
// exist; one has expired, to show that residents no longer find it.
func (a *instance) demoKnowledge(ctx context.Context, out io.Writer) error {
	dept, err := departmentID(ctx, a.Staff, "福田区政务服务数据管理局")
	if err != nil {
		return err
	}
	admin, err := a.demoMember(ctx, "demo_admin", dept, staff.DeptAdmin)
	if err != nil {
		return err
	}
	expired := "2026-06-30"
	entries := []knowledge.Input{
		{Question: "居住证怎么办理？", Answer: "携带本人身份证、近期证件照和租赁合同（或房产证明），到居住地所在社区工作站办理居住登记，登记满 12 个月后可申领居住证。也可通过「i深圳」在线办理。",
			Category: "consultation", Source: "《深圳市居住证办理指南》"},
		{Question: "小区垃圾一般几点清运？", Answer: "生活垃圾每日至少清运两次，早上 7 点前和晚上 8 点后各一次；满溢未清运的，可通过「民意速办」反映，由街道环卫部门处理。",
			Category: "sanitation", Source: "《福田区12345事项分拨指引》"},
		{Question: "老旧小区加装电梯有补贴吗？", Answer: "有。符合条件的既有住宅加装电梯，可按每台定额申请补贴；由业主向所在街道办提交申请材料，补贴标准见区住房和建设局公告。",
			Category: "consultation", Source: "《福田区既有住宅加装电梯补贴办法》"},
		{Question: "夜间施工噪音扰民找哪个部门？", Answer: "夜间（22 时至次日 7 时）施工须取得夜间施工许可；未经许可或超出许可范围施工的，可通过「民意速办」反映，由生态环境部门依法处理。",
			Category: "noise", Source: "《深圳经济特区环境噪声污染防治条例》"},
		{Question: "2026 年上半年消费券怎么领？", Answer: "活动已结束。", Category: "consultation", Source: "区商务局公告", ValidUntil: &expired},
	}
	made := 0
	for _, in := range entries {
		have, _, err := a.Knowledge.List(ctx, admin, knowledge.Filter{Q: in.Question, Limit: 50})
		if err != nil {
			return err
		}
		exists := false
		for _, e := range have {
			exists = exists || e.Question == in.Question
		}
		if exists {
			continue
		}
		in.Status = knowledge.StatusPublished
		if _, err := a.Knowledge.Create(ctx, admin, in); err != nil {
			return fmt.Errorf("demo knowledge: %w", err)
		}
		made++
	}
	fmt.Fprintf(out, "demo knowledge base: %d entries added\n", made)
	return nil
}

// demoMergeReferral shows issue 25's two other states: bob's report of
// the rubbish alice reported is merged into hers, and carol's complaint
// about alice's enterprise (示范科技, 华富街道) is referred to it first,
// so alice, its legal representative, has it to answer.
func (a *instance) demoMergeReferral(ctx context.Context, out io.Writer) error {
	dept, err := departmentID(ctx, a.Staff, "福田区政务服务数据管理局")
	if err != nil {
		return err
	}
	desk, err := a.demoMember(ctx, "demo_desk", dept, staff.RequestOfficer, staff.CreditOfficer)
	if err != nil {
		return err
	}
	alice, _, err := a.Residents.Login(ctx, "mock_alice", "")
	if err != nil {
		return err
	}
	bob, _, err := a.Residents.Login(ctx, "mock_bob", "")
	if err != nil {
		return err
	}
	carol, _, err := a.Residents.Login(ctx, "mock_carol", "")
	if err != nil {
		return err
	}
	var mainID int64
	if err := a.db.WithContext(ctx).Table("requests").Where("resident_id = ? AND client_key = ?", alice.ID, "demo-accepted").
		Pluck("id", &mainID).Error; err != nil || mainID == 0 {
		return fmt.Errorf("demo merge: alice's accepted request: %v", err)
	}
	dup, repeated, err := a.Requests.Submit(ctx, bob.ID, requests.NewRequest{ClientKey: "demo-merged", Category: "sanitation",
		Description: "田面社区门口垃圾桶满溢，好几天没人收。", Street: "华富街道"})
	if err != nil {
		return fmt.Errorf("demo merge: %w", err)
	}
	if !repeated {
		if _, err := a.Requests.Merge(ctx, desk, mainID, []int64{dup.ID}, "同一处垃圾桶满溢，合并办理"); err != nil {
			return fmt.Errorf("demo merge: %w", err)
		}
	}
	c, repeated, err := a.Requests.Submit(ctx, carol.ID, requests.NewRequest{ClientKey: "demo-referred", Category: "noise",
		Description: "示范科技公司楼顶空调外机夜里噪音很大。", Street: "华富街道"})
	if err != nil {
		return fmt.Errorf("demo referral: %w", err)
	}
	if !repeated {
		v, err := a.Requests.Accept(ctx, desk, c.ID, c.Version)
		if err != nil {
			return fmt.Errorf("demo referral: %w", err)
		}
		if _, err := a.Requests.Refer(ctx, desk, v.ID, v.Version, enterprises.CompleteUSCC("91440304MA5FTD001")); err != nil {
			return fmt.Errorf("demo referral: %w", err)
		}
	}
	fmt.Fprintln(out, "demo 民意速办: bob's report merged into alice's; carol's complaint referred to alice's enterprise first")
	return nil
}
