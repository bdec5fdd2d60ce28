package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// seedRequests adds the default request categories that are missing and
// the official calendar's published days (OfficialHolidays) not marked yet.
func (a *instance) seedRequests(ctx context.Context, out io.Writer) error {
	if err := a.Requests.SeedCategories(ctx); err != nil {
		return err
	}
	n, err := a.Requests.SeedCalendar(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "official calendar: %d days of the State Council's holiday arrangement marked\n", n)
	}
	return nil
}

// demoRequests loads 民意速办's demo data for seed --demo; running it twice
// changes nothing. Every category is routed to the demo department except
// 占道经营, which goes to 区城管局; demo_desk (request_officer of the demo
// department) and demo_desk_cg (of 区城管局) work the desks; alice's
// requests stand in every state: submitted, transferred, accepted, in
// progress, answered (to be rated), closed with a rating, reopened by a
// low rating, and one with a 2026 holiday in the calendar.
func (a *instance) demoRequests(ctx context.Context, out io.Writer) error {
	main, err := departmentID(ctx, a.Staff, "福田区政务服务数据管理局")
	if err != nil {
		return err
	}
	cg, err := departmentID(ctx, a.Staff, "福田区城市管理和综合执法局")
	if err != nil {
		return err
	}
	for _, c := range requests.DefaultCategories {
		dept := main
		if c.Code == "street_vending" {
			dept = cg
		}
		if _, err := a.Requests.SaveRoute(ctx, requests.Route{Category: c.Code, DepartmentID: dept}); err != nil {
			return fmt.Errorf("demo route: %w", err)
		}
	}
	desk, err := a.demoMember(ctx, "demo_desk", main, staff.RequestOfficer, staff.CreditOfficer)
	if err != nil {
		return err
	}
	deskCG, err := a.demoMember(ctx, "demo_desk_cg", cg, staff.RequestOfficer)
	if err != nil {
		return err
	}
	alice, _, err := a.Residents.Login(ctx, "mock_alice", "")
	if err != nil {
		return err
	}
	type step func(v *requests.StaffView) (*requests.StaffView, error)
	accept := func(m *staff.Member) step {
		return func(v *requests.StaffView) (*requests.StaffView, error) {
			return a.Requests.Accept(ctx, m, v.ID, v.Version)
		}
	}
	start := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Start(ctx, desk, v.ID, v.Version)
	}
	answer := func(text string) step {
		return func(v *requests.StaffView) (*requests.StaffView, error) {
			return a.Requests.Answer(ctx, desk, v.ID, requests.Answer{Version: v.Version, Text: text})
		}
	}
	rate := func(n int, comment string, reopen bool) step {
		return func(v *requests.StaffView) (*requests.StaffView, error) {
			if _, err := a.Requests.Rate(ctx, alice.ID, v.ID, n, comment, reopen); err != nil {
				return nil, err
			}
			return a.Requests.GetForStaff(ctx, desk, v.ID)
		}
	}
	transfer := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Transfer(ctx, desk, v.ID, v.Version, cg, "属占道经营执法职责，转区城管局办理")
	}
	demos := []struct {
		key, category, text, street string
		steps                       []step
	}{
		{"demo-submitted", "repair", "田面社区 3 栋楼道灯坏了一周，晚上很黑。", "华富街道", nil},
		{"demo-transferred", "other", "新洲路人行道上有人摆摊卖水果，行人要走到机动车道。", "沙头街道", []step{transfer}},
		{"demo-accepted", "sanitation", "小区门口垃圾桶满了没人清运，有异味。", "华富街道", []step{accept(desk)}},
		{"demo-in-progress", "safety", "儿童游乐场滑梯螺丝松动，有安全隐患。", "莲花街道", []step{accept(desk), start}},
		{"demo-answered", "noise", "楼下餐馆排风扇夜间噪音很大。", "华富街道", []step{accept(desk), answer("已约谈商户，排风扇加装消音设备，22 点后停用。")}},
		{"demo-closed", "consultation", "请问老旧小区加装电梯的补贴怎么申请？", "香蜜湖街道", []step{accept(desk), answer("可向街道办提交申请材料，补贴标准见区住建局公告。"), rate(5, "解答清楚", false)}},
		{"demo-reopened", "sanitation", "河道边有垃圾堆积。", "福田街道", []step{accept(desk), answer("已安排清理。"), rate(1, "去看了还没清理", true)}},
	}
	made := 0
	for _, d := range demos {
		v, repeated, err := a.Requests.Submit(ctx, alice.ID, requests.NewRequest{
			ClientKey: d.key, Category: d.category, Description: d.text, Street: d.street,
		})
		if err != nil {
			return fmt.Errorf("demo request %s: %w", d.key, err)
		}
		if repeated {
			continue
		}
		made++
		who := desk
		if d.category == "street_vending" {
			who = deskCG
		}
		sv, err := a.Requests.GetForStaff(ctx, who, v.ID)
		if err != nil {
			return fmt.Errorf("demo request %s: %w", d.key, err)
		}
		for _, s := range d.steps {
			if sv, err = s(sv); err != nil {
				return fmt.Errorf("demo request %s: %w", d.key, err)
			}
		}
	}
	fmt.Fprintf(out, "demo requests: %d made for alice; desks demo_desk and demo_desk_cg (password %q)\n", made, demoPassword)
	return nil
}

// demoMember creates a demo staff member of dept unless it exists.
func (a *instance) demoMember(ctx context.Context, username string, dept int64, roles ...staff.Role) (*staff.Member, error) {
	_, err := a.Staff.Create(ctx, nil, staff.NewMember{Username: username, Password: demoPassword, DepartmentID: &dept, Roles: roles},
		a.Residents.Regions().IsStreet)
	if err != nil && !errors.Is(err, staff.ErrUsernameTaken) {
		return nil, fmt.Errorf("demo staff %s: %w", username, err)
	}
	var id int64
	if err := a.db.WithContext(ctx).Table("staff").Where("username = ?", username).Pluck("id", &id).Error; err != nil {
		return nil, err
	}
	return a.Staff.FindByID(ctx, id)
}
