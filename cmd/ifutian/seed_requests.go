package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

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
// low rating, and one with a 2026 holiday in the calendar. The work order
// (issue 25): 其他 is on no route, so the dispatch centre demo_centre
// places it: one waits there (待分拨), one is dispatched with an assisting
// unit, one returned by 区城管局 (退单待审); one is signed for, one signed
// and accepted with an extension waiting (延期待批), one urged and under a
// supervision letter (督办), one rated 不满意 waits for the call-back
// (待回访), one called back 不满意 and handled again (重办).
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
		switch c.Code {
		case "street_vending":
			dept = cg
		case "other":
			continue // not on the responsibility list: the dispatch centre places it
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
	centre, err := a.demoCentre(ctx)
	if err != nil {
		return err
	}
	if _, err := a.Requests.SaveGuide(ctx, "other", "先按《福田区12345事项职责清单》确定主办单位；涉及占道、违建的派区城管局，小区物业、公共设施的派区政务服务数据管理局；跨部门事项指定协办单位。", 9); err != nil {
		return fmt.Errorf("demo guide: %w", err)
	}
	if _, err := a.Requests.SaveGuide(ctx, "noise", "社会生活噪音由所在街道办主办；施工噪音由区住建局主办；交通噪音由交警大队主办。", 4); err != nil {
		return fmt.Errorf("demo guide: %w", err)
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
			return a.Requests.FindForStaff(ctx, desk, v.ID)
		}
	}
	transfer := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Transfer(ctx, desk, v.ID, v.Version, cg, "属占道经营执法职责，转区城管局办理")
	}
	// The work order (issue 25): the dispatch centre demo_centre and the units.
	dispatch := func(to int64, assist *int64) step {
		return func(v *requests.StaffView) (*requests.StaffView, error) {
			return a.Requests.Dispatch(ctx, centre, v.ID, requests.Dispatch{Version: v.Version, DepartmentID: to, AssistID: assist, Note: "按职责清单派单"})
		}
	}
	sign := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Sign(ctx, desk, v.ID, v.Version)
	}
	giveBack := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Return(ctx, deskCG, v.ID, requests.ReturnInput{Version: v.Version, ReasonCode: requests.ReturnNotOurDuty, Reason: "小区内部设施，属物业管理范畴"})
	}
	extend := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.AskExtension(ctx, desk, v.ID, 3, "需协调供电部门现场勘查")
	}
	urge := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Urge(ctx, centre, v.ID, "请加快办理，居民多次来电")
	}
	supervise := func(v *requests.StaffView) (*requests.StaffView, error) {
		return a.Requests.Supervise(ctx, centre, v.ID, "请于 3 个工作日内书面报告整改情况", time.Now().Add(72*time.Hour))
	}
	callBack := func(result string) step {
		return func(v *requests.StaffView) (*requests.StaffView, error) {
			return a.Requests.CallBack(ctx, centre, v.ID, v.Version, result, "电话回访居民")
		}
	}
	demos := []struct {
		key, category, text, street string
		steps                       []step
	}{
		{"demo-submitted", "repair", "田面社区 3 栋楼道灯坏了一周，晚上很黑。", "华富街道", nil},
		{"demo-transferred", "sanitation", "新洲路人行道上有人摆摊卖水果，行人要走到机动车道。", "沙头街道", []step{transfer}},
		{"demo-accepted", "sanitation", "小区门口垃圾桶满了没人清运，有异味。", "华富街道", []step{accept(desk)}},
		{"demo-in-progress", "safety", "儿童游乐场滑梯螺丝松动，有安全隐患。", "莲花街道", []step{accept(desk), start}},
		{"demo-answered", "noise", "楼下餐馆排风扇夜间噪音很大。", "华富街道", []step{accept(desk), answer("已约谈商户，排风扇加装消音设备，22 点后停用。")}},
		{"demo-closed", "consultation", "请问老旧小区加装电梯的补贴怎么申请？", "香蜜湖街道", []step{accept(desk), answer("可向街道办提交申请材料，补贴标准见区住建局公告。"), rate(5, "解答清楚", false)}},
		{"demo-reopened", "sanitation", "河道边有垃圾堆积。", "福田街道", []step{accept(desk), answer("已安排清理。"), rate(1, "去看了还没清理", true)}},
		{"demo-dispatching", "other", "小区门口的共享单车堆满了人行道。", "华富街道", nil},
		{"demo-dispatched", "other", "公园里的路灯白天也亮着。", "莲花街道", []step{dispatch(main, &cg)}},
		{"demo-returned", "other", "小区地下车库漏水。", "香蜜湖街道", []step{dispatch(cg, nil), giveBack}},
		{"demo-signed", "repair", "公交站台顶棚破损漏雨。", "华富街道", []step{sign, accept(desk), extend}},
		{"demo-supervised", "safety", "小区消防通道被长期占用。", "福田街道", []step{sign, accept(desk), urge, supervise}},
		{"demo-callback", "noise", "广场舞音响声音太大。", "华富街道", []step{accept(desk), answer("已与广场舞队沟通，音量调低。"), rate(2, "还是很吵", false)}},
		{"demo-redone", "repair", "人行道地砖松动。", "莲花街道", []step{accept(desk), answer("已修复。"), rate(1, "没有修好", false), callBack(requests.CallbackUnsatisfied)}},
		{"demo-signed-only", "consultation", "请问社区长者饭堂在哪里？", "华富街道", []step{sign}},
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
		switch d.category {
		case "street_vending":
			who = deskCG
		case "other":
			who = centre
		}
		sv, err := a.Requests.FindForStaff(ctx, who, v.ID)
		if err != nil {
			return fmt.Errorf("demo request %s: %w", d.key, err)
		}
		for _, s := range d.steps {
			if sv, err = s(sv); err != nil {
				return fmt.Errorf("demo request %s: %w", d.key, err)
			}
		}
	}
	fmt.Fprintf(out, "demo requests: %d made for alice; desks demo_desk and demo_desk_cg, dispatch centre demo_centre (password %q)\n", made, demoPassword)
	return nil
}

// demoCentre creates the demo dispatch centre's account demo_centre (no
// department: the centre is district-wide) unless it exists.
func (a *instance) demoCentre(ctx context.Context) (*staff.Member, error) {
	_, err := a.Staff.Create(ctx, nil, staff.NewMember{Username: "demo_centre", Password: demoPassword, Roles: []staff.Role{staff.Dispatcher}},
		a.Residents.Regions().IsStreet)
	if err != nil && !errors.Is(err, staff.ErrUsernameTaken) {
		return nil, fmt.Errorf("demo staff demo_centre: %w", err)
	}
	var id int64
	if err := a.db.WithContext(ctx).Table("staff").Where("username = ?", "demo_centre").Pluck("id", &id).Error; err != nil {
		return nil, err
	}
	return a.Staff.FindByID(ctx, id)
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
