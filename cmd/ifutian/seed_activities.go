package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/staff"
)

// demoActivityTitle names the demo activity a newcomer can join.
const demoActivityTitle = "i福田体验：华富社区常态化志愿服务岗"

// demoActivities loads the activities module's demo data for seed --demo:
// a standing volunteer activity of demo_editor's department, open to
// everyone, running for 30 days from the seed, that anyone may sign up
// for and check in to while it runs (demo_verifier shows the door's
// code). Running the seed again changes nothing while it runs, and starts
// a new one once it is over.
func (a *instance) demoActivities(ctx context.Context, out io.Writer) error {
	now := time.Now().UTC().Truncate(time.Minute)
	var have int64
	if err := a.db.WithContext(ctx).Table("activities").
		Where("title = ? AND status = ? AND ends_at > ?", demoActivityTitle, activities.Published, now).Count(&have).Error; err != nil {
		return err
	}
	if have > 0 {
		return nil
	}
	editor, err := a.demoAccount(ctx, "demo_editor")
	if err != nil {
		return err
	}
	start := now.Add(-time.Hour)
	deadline := start.Add(30*24*time.Hour - time.Hour)
	act, err := a.Activities.Create(ctx, editor, activities.Input{
		Kind: activities.KindVolunteer, Title: demoActivityTitle,
		Description: "在华富社区党群服务中心门口协助居民使用 i福田、整理共享书架。报名后到场扫码签到，离开时扫码签退，志愿时长与积分自动记入。",
		Place:       "华富街道田面社区党群服务中心", Street: "华富街道", Community: "田面社区",
		StartsAt: start, EndsAt: start.Add(30 * 24 * time.Hour), SignupDeadline: &deadline,
		Capacity: 500, Waitlist: true, WalkIns: true, PointsRule: "volunteer_service", Hours: 2,
	})
	if err != nil {
		return fmt.Errorf("demo activity: %w", err)
	}
	if _, err := a.Activities.Publish(ctx, editor, act.ID); err != nil {
		return fmt.Errorf("demo activity: %w", err)
	}
	fmt.Fprintf(out, "demo activity %d: %q, open to everyone for 30 days; demo_verifier shows its check-in code (GET /api/v1/admin/activities/%d/venue-code)\n", act.ID, demoActivityTitle, act.ID)
	return nil
}

// demoAccount returns a demo staff account by username.
func (a *instance) demoAccount(ctx context.Context, username string) (*staff.Member, error) {
	var id int64
	if err := a.db.WithContext(ctx).Table("staff").Where("username = ?", username).Pluck("id", &id).Error; err != nil || id == 0 {
		return nil, fmt.Errorf("demo: %s not found: %v", username, err)
	}
	return a.Staff.FindByID(ctx, id)
}
