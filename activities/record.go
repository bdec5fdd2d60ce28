package activities

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
)

// RecordEntry is one entry of a resident's volunteer record, with its
// activity.
type RecordEntry struct {
	ID               int64     `json:"id,string"`
	Kind             EntryKind `json:"kind"`
	Hours            float64   `json:"hours"`
	Reason           string    `json:"reason"`
	CreatedAt        time.Time `json:"created_at"`
	ActivityID       int64     `json:"activity_id,string"`
	ActivityTitle    string    `json:"activity_title"`
	ActivityKind     Kind      `json:"activity_kind" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他"`
	ActivityStartsAt time.Time `json:"activity_starts_at"`
}

// YearHours are the hours of activities that started in a year (district
// time).
type YearHours struct {
	Year  int     `json:"year"`
	Hours float64 `json:"hours"`
}

// KindHours are the hours of one kind of activity.
type KindHours struct {
	Kind  Kind    `json:"kind" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他"`
	Name  string  `json:"name"`
	Hours float64 `json:"hours"`
}

// Record is a resident's volunteer record: every entry of their hours,
// newest first, and the totals.
type Record struct {
	TotalHours float64       `json:"total_hours"`
	ByYear     []YearHours   `json:"by_year"`
	ByKind     []KindHours   `json:"by_kind"`
	Entries    []RecordEntry `json:"entries"`
}

// VolunteerRecord returns a resident's volunteer record.
func (s *Service) VolunteerRecord(ctx context.Context, residentID int64) (*Record, error) {
	var rows []struct {
		HoursEntry
		Title    string
		AKind    Kind
		StartsAt time.Time
	}
	err := s.db.WithContext(ctx).Table("volunteer_hours").
		Select("volunteer_hours.*, a.title, a.kind AS a_kind, a.starts_at").
		Joins("JOIN activities a ON a.id = volunteer_hours.activity_id").
		Where("volunteer_hours.resident_id = ?", residentID).Order("volunteer_hours.id DESC").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("volunteer record: %w", err)
	}
	r := &Record{ByYear: []YearHours{}, ByKind: []KindHours{}, Entries: make([]RecordEntry, 0, len(rows))}
	var total int64
	years, kinds := map[int]int64{}, map[Kind]int64{}
	for _, x := range rows {
		r.Entries = append(r.Entries, RecordEntry{
			ID: x.ID, Kind: x.Kind, Hours: hours(x.Minutes), Reason: x.Reason, CreatedAt: x.CreatedAt,
			ActivityID: x.ActivityID, ActivityTitle: x.Title, ActivityKind: x.AKind, ActivityStartsAt: x.StartsAt,
		})
		total += x.Minutes
		years[x.StartsAt.In(district.Zone).Year()] += x.Minutes
		kinds[x.AKind] += x.Minutes
	}
	r.TotalHours = hours(total)
	for y, m := range years {
		r.ByYear = append(r.ByYear, YearHours{Year: y, Hours: hours(m)})
	}
	sort.Slice(r.ByYear, func(i, j int) bool { return r.ByYear[i].Year > r.ByYear[j].Year })
	for k, m := range kinds {
		r.ByKind = append(r.ByKind, KindHours{Kind: k, Name: Kinds[k], Hours: hours(m)})
	}
	sort.Slice(r.ByKind, func(i, j int) bool { return r.ByKind[i].Kind < r.ByKind[j].Kind })
	return r, nil
}

// ExportResident returns a resident's activity data for /me/export: their
// sign-ups and their volunteer record.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	rec, err := s.VolunteerRecord(ctx, residentID)
	if err != nil {
		return nil, err
	}
	var sgs []Signup
	if err := s.db.WithContext(ctx).Where("resident_id = ?", residentID).Order("id").Find(&sgs).Error; err != nil {
		return nil, fmt.Errorf("export sign-ups: %w", err)
	}
	type signup struct {
		ActivityID   int64        `json:"activity_id,string"`
		Status       SignupStatus `json:"status"`
		WalkIn       bool         `json:"walk_in"`
		SignedUpAt   time.Time    `json:"signed_up_at"`
		CancelledAt  *time.Time   `json:"cancelled_at"`
		CheckedInAt  *time.Time   `json:"checked_in_at"`
		CheckedOutAt *time.Time   `json:"checked_out_at"`
		PointsStatus PointsStatus `json:"points_status"`
	}
	out := struct {
		Signups []signup `json:"signups"`
		Record  *Record  `json:"volunteer_record"`
	}{Signups: make([]signup, 0, len(sgs)), Record: rec}
	for _, sg := range sgs {
		out.Signups = append(out.Signups, signup{sg.ActivityID, sg.Status, sg.WalkIn, sg.CreatedAt, sg.CancelledAt, sg.CheckedInAt, sg.CheckedOutAt, sg.PointsStatus})
	}
	return out, nil
}

// EraseResident removes a resident's sign-ups, volunteer hours and hours
// approvals when they delete their account, inside the deletion's
// transaction: a place they held at an activity not yet over goes to the
// first waiting, as if they had cancelled.
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	now := s.clock()
	var sgs []Signup
	if err := tx.Where("resident_id = ? AND status IN ?", residentID, []string{Confirmed, Waiting}).Order("activity_id").Find(&sgs).Error; err != nil {
		return fmt.Errorf("erase activity data: %w", err)
	}
	for _, sg := range sgs {
		a, err := s.load(tx, sg.ActivityID, true)
		if err != nil {
			return fmt.Errorf("erase activity data: %w", err)
		}
		if a.Ended(now) {
			continue
		}
		if err := tx.Model(&Signup{}).Where("id = ?", sg.ID).Update("status", Withdrawn).Error; err != nil {
			return fmt.Errorf("erase activity data: %w", err)
		}
		if err := s.release(tx, a, sg.Status, now); err != nil {
			return fmt.Errorf("erase activity data: %w", err)
		}
	}
	for _, stmt := range []string{
		"DELETE FROM volunteer_hours_approvals WHERE resident_id = ?",
		"DELETE FROM volunteer_hours WHERE resident_id = ?",
		"DELETE FROM activity_signups WHERE resident_id = ?",
	} {
		if err := tx.Exec(stmt, residentID).Error; err != nil {
			return fmt.Errorf("erase activity data: %w", err)
		}
	}
	return nil
}
