package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// demoPassword is the password of every demo staff account.
const demoPassword = "futian-demo-2026"

// seedCommand loads the starter data every installation needs and, with
// --demo, a demo department, staff of every role and residents, so a
// newcomer can click through. Running it twice changes nothing.
func seedCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "also create demo staff and residents")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	for _, seed := range a.seeds() {
		if err := seed(ctx, stdout); err != nil {
			return err
		}
	}
	if *demo {
		return a.seedDemo(ctx, stdout)
	}
	return nil
}

// seeds are the starter data loaders, one per module that has any.
func (a *instance) seeds() []func(context.Context, io.Writer) error {
	return []func(context.Context, io.Writer) error{a.seedPoints, a.seedSurveys, a.seedRequests}
}

func (a *instance) seedDemo(ctx context.Context, out io.Writer) error {
	deptID, err := departmentID(ctx, a.Staff, "福田区政务服务数据管理局")
	if err != nil {
		return err
	}
	accounts := []struct {
		username string
		roles    []staff.Role
		streets  []string
	}{
		{"demo_admin", []staff.Role{staff.DeptAdmin}, nil},
		{"demo_editor", []staff.Role{staff.Editor}, nil},
		{"demo_reviewer", []staff.Role{staff.Reviewer}, nil},
		{"demo_points", []staff.Role{staff.PointsOfficer}, nil},
		{"demo_credit", []staff.Role{staff.CreditOfficer}, nil},
		{"demo_verifier", []staff.Role{staff.Verifier}, nil},
		{"demo_auditor", []staff.Role{staff.Auditor}, nil},
		{"demo_huafu", []staff.Role{staff.Editor, staff.PointsOfficer}, []string{"华富街道"}},
	}
	if _, err := a.Staff.Bootstrap(ctx, demoPassword); err != nil {
		return err
	}
	for _, acc := range accounts {
		_, err := a.Staff.Create(ctx, nil, staff.NewMember{
			Username: acc.username, Password: demoPassword, DepartmentID: &deptID, Roles: acc.roles, Streets: acc.streets,
		}, a.Residents.Regions().IsStreet)
		if err != nil && !errors.Is(err, staff.ErrUsernameTaken) {
			return fmt.Errorf("demo staff %s: %w", acc.username, err)
		}
	}
	fmt.Fprintf(out, "demo staff (password %q): admin (only if no staff existed), %d department accounts demo_*\n", demoPassword, len(accounts))

	people := []struct {
		name, nickname, street, community string
		birthYear                         int
		tags                              []string
	}{
		{"alice", "阿丽", "华富街道", "田面社区", 1990, []string{"志愿者"}},
		{"bob", "老王", "香蜜湖街道", "", 1958, []string{"长者", "党员"}},
		{"carol", "小陈", "莲花街道", "", 2001, []string{"青年"}},
	}
	for _, p := range people {
		r, _, err := a.Residents.Login(ctx, "mock_"+p.name, "")
		if err != nil {
			return err
		}
		patch := residents.Patch{Nickname: &p.nickname, Street: &p.street, BirthYear: &p.birthYear, Tags: &p.tags}
		if p.community != "" && a.Residents.Regions().IsCommunity(p.community) {
			patch.Community = &p.community
		}
		if _, err := a.Residents.Update(ctx, r.ID, patch); err != nil {
			return fmt.Errorf("demo resident %s: %w", p.name, err)
		}
	}
	fmt.Fprintln(out, `demo residents: log in with codes mock:alice, mock:bob, mock:carol`)
	for _, demo := range []func(context.Context, io.Writer) error{a.demoPoints, a.demoEnterprises, a.demoNotices, a.demoSurveys, a.demoRequests, a.demoKnowledge, a.demoMergeReferral, a.demoActivities, a.demoStaff, a.demoWorklist, a.demoRepair, a.demoCreditRepair} {
		if err := demo(ctx, out); err != nil {
			return err
		}
	}
	return nil
}
