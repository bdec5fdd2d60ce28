package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/points"
)

// demoWorklist gives the start page of seed --demo something waiting in
// each queue besides the notice demo_editor submitted: bob appeals a
// deduction by demo_points, alice (legal representative of the first demo
// enterprise) objects to its complaint record, and carol asks to act for
// the 莲花街道 restaurant. Run after the points and enterprise demos;
// running it twice changes nothing.
func (a *instance) demoWorklist(ctx context.Context, out io.Writer) error {
	officer, err := a.Staff.Authenticate(ctx, "demo_points", demoPassword)
	if err != nil {
		return fmt.Errorf("demo worklist: demo_points: %w", err)
	}
	login := func(name string) (int64, error) {
		r, _, err := a.Residents.Login(ctx, "mock_"+name, "")
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	}
	bob, err := login("bob")
	if err != nil {
		return err
	}
	t, _, err := a.Points.Deduct(ctx, officer, points.DeductRequest{ResidentID: bob, Points: 5, CaseRef: "福民执〔2026〕演示1号", Reason: "楼道堆放杂物，经提醒未清理"})
	if err != nil {
		return fmt.Errorf("demo deduction: %w", err)
	}
	if _, err := a.Points.CreateAppeal(ctx, bob, points.AppealInput{TransactionID: t.ID, Reason: "杂物是邻居的，已与社区说明"}); err != nil && !errors.Is(err, points.ErrAppealExists) {
		return fmt.Errorf("demo appeal: %w", err)
	}

	alice, err := login("alice")
	if err != nil {
		return err
	}
	code := enterprises.CompleteUSCC("91440304MA5FTD001")
	var rec struct{ ID, Objections int64 }
	err = a.db.WithContext(ctx).Table("credit_records c").Joins("JOIN enterprises e ON e.id = c.enterprise_id").
		Where("e.uscc = ? AND c.kind = ?", code, enterprises.KindComplaint).
		Select("c.id, (SELECT COUNT(*) FROM credit_objections o WHERE o.credit_record_id = c.id) AS objections").
		Limit(1).Scan(&rec).Error
	if err != nil {
		return err
	}
	if rec.ID != 0 && rec.Objections == 0 {
		if _, err := a.Enterprises.Object(ctx, alice, code, rec.ID, "投诉所涉售后问题已于当月整改，附整改报告"); err != nil {
			return fmt.Errorf("demo objection: %w", err)
		}
	}

	carol, err := login("carol")
	if err != nil {
		return err
	}
	restaurant := enterprises.CompleteUSCC("91440304MA5FTD002")
	var asked int64
	err = a.db.WithContext(ctx).Table("enterprise_bindings b").Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("e.uscc = ? AND b.resident_id = ?", restaurant, carol).Count(&asked).Error
	if err != nil {
		return err
	}
	if asked == 0 {
		if _, _, err := a.Enterprises.RequestBinding(ctx, carol, restaurant, enterprises.RoleAgent); err != nil {
			return fmt.Errorf("demo binding request: %w", err)
		}
	}
	fmt.Fprintln(out, "demo worklist: bob's appeal for demo_points, alice's objection and carol's binding request for demo_credit")
	return nil
}
