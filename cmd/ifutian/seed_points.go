package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// defaultRules are the district-wide earning rules every installation
// starts with (no owning department: any department's points officer may
// award under them; surveys grant quiz_pass and declaration).
var defaultRules = []points.Rule{
	{Code: "volunteer_service", Name: "志愿服务", Description: "参加经登记的志愿服务活动，每次", Points: 20, DailyCap: 2, MonthlyCap: 20, Expiry: points.ExpiryEndOfNextYear},
	{Code: "civic_report", Name: "市民报料（经核实）", Description: "报料经职能部门核实有效，每条", Points: 10, DailyCap: 3, MonthlyCap: 30, Expiry: points.ExpiryEndOfNextYear},
	{Code: "quiz_pass", Name: "知识答题通过", Description: "参加答题并达到及格分", Points: 5, DailyCap: 1, MonthlyCap: 31, Expiry: points.ExpiryEndOfNextYear},
	{Code: "declaration", Name: "按时申报", Description: "按时完成每日申报", Points: 2, DailyCap: 1, MonthlyCap: 31, Expiry: points.ExpiryEndOfNextYear},
}

// seedPoints loads the points module's starter data every installation needs; running it twice changes nothing.
func (a *instance) seedPoints(ctx context.Context, out io.Writer) error {
	created := 0
	for _, r := range defaultRules {
		if _, err := a.Points.FindRule(ctx, r.Code); err == nil {
			continue // keep what an administrator may have changed
		} else if !errors.Is(err, points.ErrRuleNotFound) {
			return err
		}
		if _, _, err := a.Points.SaveRule(ctx, nil, r); err != nil {
			return fmt.Errorf("seed rule %s: %w", r.Code, err)
		}
		created++
	}
	fmt.Fprintf(out, "points rules: %d created, %d present\n", created, len(defaultRules)-created)
	return nil
}

// demoPoints loads the points module's demo data for seed --demo; running it twice changes nothing.
func (a *instance) demoPoints(ctx context.Context, out io.Writer) error {
	deptID, err := departmentID(ctx, a.Staff, "福田区政务服务数据管理局")
	if err != nil {
		return err
	}
	rewards := []points.Reward{
		{Name: "公园停车优惠券", Description: "福田区公园停车场 2 小时", Points: 30, Stock: 100, PerResidentLimit: 2},
		{Name: "社区健身课", Description: "社区健康驿站团体课一次", Points: 50, Stock: 20, PerResidentLimit: 1, MinLevel: 2},
		{Name: "福田文创帆布袋", Description: "到街道党群服务中心领取", Points: 80, Stock: 50, PerResidentLimit: 1},
	}
	for _, r := range rewards {
		var n int64
		if err := a.db.WithContext(ctx).Table("rewards").Where("name = ? AND department_id = ?", r.Name, deptID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		r.DepartmentID = &deptID
		if _, err := a.Points.CreateReward(ctx, nil, r); err != nil {
			return fmt.Errorf("demo reward %s: %w", r.Name, err)
		}
	}
	awards := []struct{ who, rule, ext string }{
		{"alice", "volunteer_service", "demo-alice-volunteer-1"},
		{"alice", "civic_report", "demo-alice-report-1"},
		{"alice", "volunteer_service", "demo-alice-volunteer-2"},
		{"bob", "quiz_pass", "demo-bob-quiz-1"},
		{"bob", "civic_report", "demo-bob-report-1"},
		{"carol", "declaration", "demo-carol-declaration-1"},
	}
	optIn := true
	for _, aw := range awards {
		r, _, err := a.Residents.Login(ctx, "mock_"+aw.who, "")
		if err != nil {
			return err
		}
		if aw.who == "alice" {
			if _, err := a.Residents.Update(ctx, r.ID, residents.Patch{LeaderboardOptIn: &optIn}); err != nil {
				return err
			}
		}
		_, _, err = a.Points.Grant(ctx, staff.DistrictScope(), points.AwardRequest{ResidentID: r.ID, RuleCode: aw.rule, ExternalID: aw.ext, Note: "演示数据"})
		if err != nil && !errors.Is(err, points.ErrCapReached) {
			return fmt.Errorf("demo award %s: %w", aw.ext, err)
		}
	}
	fmt.Fprintln(out, "demo points: 3 rewards of 福田区政务服务数据管理局, awards for alice, bob and carol (alice on the leaderboard)")
	return nil
}
