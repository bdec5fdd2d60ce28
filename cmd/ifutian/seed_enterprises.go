package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/futian/ifutian/enterprises"
)

// demoEnterprises loads the enterprises module's demo data for seed --demo:
// four fictitious enterprises (codes built with valid check characters),
// credit records that spread them over the grades, demo resident alice
// bound to one of them, and a benefit program, all by demo_credit. Running
// it twice changes nothing.
func (a *instance) demoEnterprises(ctx context.Context, out io.Writer) error {
	officer, err := a.Staff.Authenticate(ctx, "demo_credit", demoPassword)
	if err != nil {
		return fmt.Errorf("demo enterprises: demo_credit: %w", err)
	}
	now := time.Now().UTC()
	demos := []struct {
		ent     enterprises.NewEnterprise
		records []enterprises.NewCreditRecord
	}{
		{enterprises.NewEnterprise{USCC: enterprises.CompleteUSCC("91440304MA5FTD001"), Name: "深圳市福田示范科技有限公司", Industry: "软件和信息技术服务业", Street: "华富街道"},
			[]enterprises.NewCreditRecord{
				{Kind: enterprises.KindHonor, Severity: enterprises.General, OccurredAt: now.AddDate(0, -2, 0), CaseRef: "福府〔2026〕12号", Note: "区级专精特新企业"},
				{Kind: enterprises.KindTaxGrade, Severity: enterprises.General, OccurredAt: now.AddDate(0, -4, 0), Note: "2025 年度纳税信用 A 级"},
				{Kind: enterprises.KindComplaint, Severity: enterprises.Minor, OccurredAt: now.AddDate(0, 0, -20), Note: "售后响应慢，经核实"},
			}},
		{enterprises.NewEnterprise{USCC: enterprises.CompleteUSCC("91440304MA5FTD002"), Name: "深圳市莲花餐饮管理有限公司", Industry: "餐饮业", Street: "莲花街道"},
			[]enterprises.NewCreditRecord{
				{Kind: enterprises.KindPenalty, Severity: enterprises.General, OccurredAt: now.AddDate(0, -1, 0), CaseRef: "深福市监罚〔2026〕88号", Note: "食品经营场所卫生不合格"},
			}},
		{enterprises.NewEnterprise{USCC: enterprises.CompleteUSCC("91440304MA5FTD003"), Name: "深圳市香蜜湖建筑工程有限公司", Industry: "建筑业", Street: "香蜜湖街道"},
			[]enterprises.NewCreditRecord{
				{Kind: enterprises.KindArrears, Severity: enterprises.Serious, OccurredAt: now.AddDate(0, -3, 0), CaseRef: "福人社欠〔2026〕5号", Note: "拖欠农民工工资"},
				{Kind: enterprises.KindCommitmentBreach, Severity: enterprises.General, OccurredAt: now.AddDate(0, -5, 0), Note: "未履行信用承诺补正材料"},
			}},
		{enterprises.NewEnterprise{USCC: enterprises.CompleteUSCC("92440304MA5FTD004"), Name: "福田区华富小明便利店", Industry: "零售业", Street: "华富街道"}, nil},
	}
	created := 0
	for _, d := range demos {
		e, err := a.Enterprises.Create(ctx, officer, d.ent)
		if errors.Is(err, enterprises.ErrExists) {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo enterprise %s: %w", d.ent.Name, err)
		}
		created++
		for _, r := range d.records {
			r.USCC = e.USCC
			if _, _, err := a.Enterprises.Record(ctx, officer, r); err != nil {
				return fmt.Errorf("demo credit record for %s: %w", d.ent.Name, err)
			}
		}
	}

	alice, _, err := a.Residents.Login(ctx, "mock_alice", "")
	if err != nil {
		return err
	}
	b, _, err := a.Enterprises.RequestBinding(ctx, alice.ID, demos[0].ent.USCC, enterprises.RoleLegalRep)
	if err != nil {
		return fmt.Errorf("demo binding: %w", err)
	}
	if _, err := a.Enterprises.DecideBinding(ctx, officer, b.ID, true); err != nil && !errors.Is(err, enterprises.ErrDecided) {
		return fmt.Errorf("demo binding: %w", err)
	}
	if created > 0 {
		p, err := a.Enterprises.CreateProgram(ctx, officer, enterprises.NewProgram{
			Name:     "信用+免申即享：优质企业贷款贴息",
			Criteria: enterprises.Criteria{MinGrade: "A", Industries: []string{"软件和信息技术服务业", "零售业"}},
			Notice:   "贵企业信用评级符合区优质企业贷款贴息政策条件，无需申请，贴息将按季度直接拨付至企业基本账户。",
		})
		if err != nil {
			return fmt.Errorf("demo benefit program: %w", err)
		}
		fmt.Fprintf(out, "demo benefit program %q matched %d enterprise(s)\n", p.Name, len(p.Matches))
	}
	fmt.Fprintf(out, "demo enterprises: %d added (%d in all); alice is legal_rep of %s (%s)\n",
		created, len(demos), demos[0].ent.Name, demos[0].ent.USCC)
	return nil
}
