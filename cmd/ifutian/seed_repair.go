package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/futian/ifutian/points"
)

// demoRepair (issue 29, 学法修复) gives seed --demo a repairable deduction:
// demo_points' deduction rule pipl_forwarding offers a quiz of five
// questions of the starter bank's 个人信息保护法 tag (pass mark 80),
// restoring half of the points, and carol has a deduction under it whose
// repair she may start in the mini program. Running it twice changes
// nothing.
// demoRepairPeople is how many residents of the demo started a repair under
// pipl_forwarding: enough for one row of the repair statistics.
const demoRepairPeople = 5

func (a *instance) demoRepair(ctx context.Context, out io.Writer) error {
	officer, err := a.Staff.Authenticate(ctx, "demo_points", demoPassword)
	if err != nil {
		return fmt.Errorf("demo repair: demo_points: %w", err)
	}
	const code = "pipl_forwarding"
	if _, err := a.Points.FindRule(ctx, code); errors.Is(err, points.ErrRuleNotFound) {
		_, _, err = a.Points.SaveRule(ctx, officer, points.Rule{
			Code: code, Name: "违规转发他人个人信息", Description: "在群聊等处转发他人身份证件、住址等个人信息", Points: 10,
			Kind:   points.DeductRule,
			Repair: points.RepairCourse{Repairable: true, Tag: "个人信息保护法", Questions: 5, PassScore: 80, SharePercent: 50},
		})
		if err != nil {
			return fmt.Errorf("demo repair rule: %w", err)
		}
	} else if err != nil {
		return err
	}
	carol, _, err := a.Residents.Login(ctx, "mock_carol", "")
	if err != nil {
		return err
	}
	if _, _, err := a.Points.Deduct(ctx, officer, points.DeductRequest{
		ResidentID: carol.ID, Points: 10, CaseRef: "福数执〔2026〕演示2号", Reason: "在业主群转发他人身份证照片", RuleCode: code,
	}); err != nil {
		return fmt.Errorf("demo repairable deduction: %w", err)
	}
	// Five more residents, each with a deduction under the rule whose repair
	// they started: one row of the repair statistics (学法修复统计) counts
	// five people, the fewest it shows. A repeated deduction (a second
	// run) starts nothing.
	for i := 1; i <= demoRepairPeople; i++ {
		r, _, err := a.Residents.Login(ctx, fmt.Sprintf("mock_repair_%d", i), "")
		if err != nil {
			return err
		}
		t, repeated, err := a.Points.Deduct(ctx, officer, points.DeductRequest{
			ResidentID: r.ID, Points: 10, CaseRef: fmt.Sprintf("福数执〔2026〕演示修复%d号", i), Reason: "在业主群转发他人身份证照片", RuleCode: code,
		})
		if err != nil {
			return fmt.Errorf("demo repair %d: %w", i, err)
		}
		if !repeated {
			if _, err := a.Points.StartRepair(ctx, r.ID, t.ID); err != nil {
				return fmt.Errorf("demo repair %d started: %w", i, err)
			}
		}
	}
	fmt.Fprintln(out, "demo repair: rule pipl_forwarding (学法修复: 5 questions of 个人信息保护法, pass 80, restores 50%), carol's deduction under it, five residents' repairs started")
	return nil
}
