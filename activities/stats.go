package activities

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// PlaceStats are the figures of the activities held in one community (or
// on a street, Community "").
type PlaceStats struct {
	Street     string  `json:"street"`
	Community  string  `json:"community"`
	Activities int64   `json:"activities"`
	CheckedIn  int64   `json:"checked_in"`
	Hours      float64 `json:"hours"`
}

// Stats are the figures of the activities within a member's scope that
// start in [From, To) (drafts left out).
type Stats struct {
	From       time.Time `json:"from"`
	To         time.Time `json:"to" doc:"exclusive"`
	Activities int64     `json:"activities" doc:"published or cancelled, starting in the period"`
	Cancelled  int64     `json:"cancelled"`
	// Signups are the sign-ups standing (confirmed or waiting).
	Signups   int64 `json:"signups" doc:"standing sign-ups: confirmed and waiting"`
	Confirmed int64 `json:"confirmed"`
	Waiting   int64 `json:"waiting"`
	CheckedIn int64 `json:"checked_in"`
	// NoShows and AttendanceRate count activities that are over (and not
	// cancelled): the share of confirmed residents who checked in; null
	// when there were none.
	NoShows        int64    `json:"no_shows" doc:"at activities over"`
	AttendanceRate *float64 `json:"attendance_rate" doc:"checked in ÷ confirmed at activities over (not cancelled); null when none"`
	// Volunteers are the residents who checked in at least once;
	// RepeatVolunteers those who did at two activities or more.
	Volunteers       int64        `json:"volunteers" doc:"residents who checked in at least once"`
	RepeatVolunteers int64        `json:"repeat_volunteers" doc:"of them, at two activities or more"`
	Hours            float64      `json:"hours"`
	ByPlace          []PlaceStats `json:"by_place"`
}

// maxStatsRange is the longest period statistics cover at once.
const maxStatsRange = 366 * 24 * time.Hour

// Stats returns the figures of the activities within m's scope starting in
// [from, to). Returns an invalid_argument error naming to for an empty or
// over-long period.
func (s *Service) Stats(ctx context.Context, m *staff.Member, from, to time.Time) (*Stats, error) {
	if !to.After(from) || to.Sub(from) > maxStatsRange {
		return nil, apperr.Field("to", "须晚于 from，且区间不超过一年")
	}
	from, to = from.UTC(), to.UTC()
	now := s.clock()
	by := m.Scope()
	tx := s.db.WithContext(ctx)
	base := func() *gorm.DB { // a fresh query each time: gorm statements are not reusable
		return by.Filter(tx.Table("activities"), scopeColumns).
			Where("activities.status <> ? AND activities.starts_at >= ? AND activities.starts_at < ?", Draft, from, to)
	}
	st := &Stats{From: from, To: to, ByPlace: []PlaceStats{}}
	var as struct{ Activities, Cancelled int64 }
	if err := base().Select(`COUNT(*) AS activities,
		COALESCE(SUM(CASE WHEN activities.status = ? THEN 1 ELSE 0 END), 0) AS cancelled`, Cancelled).
		Scan(&as).Error; err != nil {
		return nil, fmt.Errorf("activity stats: %w", err)
	}
	st.Activities, st.Cancelled = as.Activities, as.Cancelled
	var sg struct {
		Confirmed, Waiting, CheckedIn, NoShows, ConfirmedOver, CheckedInOver int64
	}
	over := "activities.status = '" + Published + "' AND activities.ends_at <= ?"
	if err := base().Joins("JOIN activity_signups s ON s.activity_id = activities.id").Select(`
		COALESCE(SUM(CASE WHEN s.status = ? THEN 1 ELSE 0 END), 0) AS confirmed,
		COALESCE(SUM(CASE WHEN s.status = ? THEN 1 ELSE 0 END), 0) AS waiting,
		COALESCE(SUM(CASE WHEN s.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS checked_in,
		COALESCE(SUM(CASE WHEN `+over+` AND s.status = ? AND s.checked_in_at IS NULL THEN 1 ELSE 0 END), 0) AS no_shows,
		COALESCE(SUM(CASE WHEN `+over+` AND s.status = ? THEN 1 ELSE 0 END), 0) AS confirmed_over,
		COALESCE(SUM(CASE WHEN `+over+` AND s.status = ? AND s.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS checked_in_over`,
		Confirmed, Waiting, now, Confirmed, now, Confirmed, now, Confirmed).Scan(&sg).Error; err != nil {
		return nil, fmt.Errorf("activity stats: %w", err)
	}
	st.Confirmed, st.Waiting, st.CheckedIn, st.NoShows = sg.Confirmed, sg.Waiting, sg.CheckedIn, sg.NoShows
	st.Signups = sg.Confirmed + sg.Waiting
	if sg.ConfirmedOver > 0 {
		r := math.Round(float64(sg.CheckedInOver)/float64(sg.ConfirmedOver)*1000) / 1000
		st.AttendanceRate = &r
	}
	attended := base().Joins("JOIN activity_signups s ON s.activity_id = activities.id").
		Where("s.checked_in_at IS NOT NULL").Group("s.resident_id").Select("s.resident_id, COUNT(*) AS n")
	var vol struct{ Volunteers, Repeaters int64 }
	if err := tx.Table("(?) AS t", attended).Select(
		"COUNT(*) AS volunteers, COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) AS repeaters").Scan(&vol).Error; err != nil {
		return nil, fmt.Errorf("activity stats: %w", err)
	}
	st.Volunteers, st.RepeatVolunteers = vol.Volunteers, vol.Repeaters

	places := map[[2]string]*PlaceStats{}
	place := func(street, community string) *PlaceStats {
		k := [2]string{street, community}
		if places[k] == nil {
			places[k] = &PlaceStats{Street: street, Community: community}
		}
		return places[k]
	}
	var counts []struct {
		Street, Community     string
		Activities, CheckedIn int64
	}
	if err := base().Joins("LEFT JOIN activity_signups s ON s.activity_id = activities.id").
		Group("activities.street, activities.community").Select(`activities.street, activities.community,
		COUNT(DISTINCT activities.id) AS activities,
		COALESCE(SUM(CASE WHEN s.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS checked_in`).Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("activity stats: %w", err)
	}
	for _, c := range counts {
		p := place(c.Street, c.Community)
		p.Activities, p.CheckedIn = c.Activities, c.CheckedIn
	}
	var mins []struct {
		Street, Community string
		Minutes           int64
	}
	if err := base().Joins("JOIN volunteer_hours h ON h.activity_id = activities.id").
		Group("activities.street, activities.community").
		Select("activities.street, activities.community, SUM(h.minutes) AS minutes").Scan(&mins).Error; err != nil {
		return nil, fmt.Errorf("activity stats: %w", err)
	}
	var total int64
	for _, x := range mins {
		place(x.Street, x.Community).Hours = hours(x.Minutes)
		total += x.Minutes
	}
	st.Hours = hours(total)
	for _, p := range places {
		st.ByPlace = append(st.ByPlace, *p)
	}
	sort.Slice(st.ByPlace, func(i, j int) bool {
		a, b := st.ByPlace[i], st.ByPlace[j]
		if a.Street != b.Street {
			return a.Street < b.Street
		}
		return a.Community < b.Community
	})
	return st, nil
}
