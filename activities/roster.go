package activities

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// RosterEntry is one resident on an activity's roster, as staff see it:
// masked, with their sign-up, attendance, hours and points.
type RosterEntry struct {
	ID             int64        `json:"id,string" doc:"the sign-up's ID"` // the sign-up's
	ResidentID     int64        `json:"resident_id,string"`
	Nickname       string       `json:"nickname"`
	PhoneMasked    string       `json:"phone_masked"`
	Street         string       `json:"street" doc:"where the resident lives; empty to members without residents.read"`
	Community      string       `json:"community" doc:"where the resident lives; empty to members without residents.read"`
	Status         SignupStatus `json:"status"`
	Attendance     Attendance   `json:"attendance"`
	WalkIn         bool         `json:"walk_in"`
	SignedUpAt     time.Time    `json:"signed_up_at"`
	PromotedAt     *time.Time   `json:"promoted_at" doc:"moved up from the waiting list"`
	CheckedInAt    *time.Time   `json:"checked_in_at"`
	CheckinMethod  Method       `json:"checkin_method"`
	CheckinReason  string       `json:"checkin_reason"`
	CheckedOutAt   *time.Time   `json:"checked_out_at"`
	CheckoutMethod Method       `json:"checkout_method"`
	CheckoutReason string       `json:"checkout_reason"`
	Hours          float64      `json:"hours"`
	PointsStatus   PointsStatus `json:"points_status"`
	PointsAwarded  int64        `json:"points_awarded"`
	PointsDetail   string       `json:"points_detail" doc:"why no points were granted: attendance_too_short (present less than half the activity's hours), daily_cap, monthly_cap, rule_inactive, …"`
}

// concealFrom blanks what m may not see of the resident: every member
// working an activity sees the nickname and masked phone (what confirms
// the person at the door), only holders of residents.read the street and
// community where the resident lives.
func (e *RosterEntry) concealFrom(m *staff.Member) {
	if !m.Can(staff.ReadResidents) {
		e.Street, e.Community = "", ""
	}
}

// RosterFilter selects roster entries by attendance state ("" for all).
type RosterFilter struct {
	Attendance Attendance
	After      int64 // cursor: entries with a greater sign-up ID
	Limit      int
}

type rosterRow struct {
	Signup
	Nickname    string
	PhoneMasked string
	RStreet     string
	RCommunity  string
}

// rosterQuery selects an activity's roster rows with their residents, of
// the residents by covers.
func rosterQuery(tx *gorm.DB, by staff.Scope, a *Activity, attendance Attendance, now time.Time) (*gorm.DB, error) {
	q := tx.Table("activity_signups").
		Select("activity_signups.*, "+residents.NicknameColumn("r")+", "+residents.PhoneMaskedColumn("r")+", "+
			residents.StreetColumn("r")+" AS r_street, "+residents.CommunityColumn("r")+" AS r_community").
		Joins(residents.Join("r", "activity_signups.resident_id")).
		Where("activity_signups.activity_id = ?", a.ID)
	q = by.Filter(q, staff.Columns{Street: residents.StreetColumn("r")})
	over := a.Ended(now) && a.Status == Published
	absent := "activity_signups.status = ? AND activity_signups.checked_in_at IS NULL"
	switch attendance {
	case "":
	case AttConfirmed, AttNoShow:
		if over != (attendance == AttNoShow) {
			return q.Where("1 = 0"), nil
		}
		q = q.Where(absent, Confirmed)
	case AttWaiting:
		q = q.Where("activity_signups.status = ?", Waiting)
	case AttCancelled:
		q = q.Where("activity_signups.status = ?", Withdrawn)
	case AttCheckedIn:
		q = q.Where("activity_signups.checked_in_at IS NOT NULL AND activity_signups.checked_out_at IS NULL")
	case AttCheckedOut:
		q = q.Where("activity_signups.checked_out_at IS NOT NULL")
	default:
		return nil, apperr.Field("attendance", "不是有效的出勤状态")
	}
	return q, nil
}

// entries turns roster rows into entries, with each resident's hours.
func (s *Service) entries(tx *gorm.DB, a *Activity, rows []rosterRow, now time.Time) ([]RosterEntry, error) {
	out := make([]RosterEntry, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ResidentID
	}
	var sums []struct {
		ResidentID int64
		Minutes    int64
	}
	if err := tx.Model(&HoursEntry{}).Select("resident_id, SUM(minutes) AS minutes").
		Where("activity_id = ? AND resident_id IN ?", a.ID, ids).Group("resident_id").Scan(&sums).Error; err != nil {
		return nil, fmt.Errorf("roster hours: %w", err)
	}
	mins := map[int64]int64{}
	for _, x := range sums {
		mins[x.ResidentID] = x.Minutes
	}
	for i := range rows {
		r := &rows[i]
		out[i] = RosterEntry{
			ID: r.ID, ResidentID: r.ResidentID, Nickname: r.Nickname, PhoneMasked: r.PhoneMasked, Street: r.RStreet,
			Community: r.RCommunity, Status: r.Status, Attendance: attendance(a, &r.Signup, now), WalkIn: r.WalkIn,
			SignedUpAt: r.CreatedAt, PromotedAt: r.PromotedAt, CheckedInAt: r.CheckedInAt, CheckinMethod: r.CheckinMethod,
			CheckinReason: r.CheckinReason, CheckedOutAt: r.CheckedOutAt, CheckoutMethod: r.CheckoutMethod,
			CheckoutReason: r.CheckoutReason, Hours: hours(mins[r.ResidentID]), PointsStatus: r.PointsStatus,
			PointsAwarded: r.PointsAwarded, PointsDetail: r.PointsDetail,
		}
	}
	return out, nil
}

// ListRoster lists an activity's roster within m's scope in sign-up order
// (the waiting list in its order), and the cursor of the next page (0 on
// the last): the residents of m's streets only, shown as concealFrom
// says. Returns ErrNotFound outside m's scope.
func (s *Service) ListRoster(ctx context.Context, m *staff.Member, id int64, f RosterFilter) ([]RosterEntry, int64, error) {
	now := s.clock()
	tx := s.db.WithContext(ctx)
	a, err := s.owned(tx, m.Scope(), id, false)
	if err != nil {
		return nil, 0, err
	}
	return s.rosterPage(tx, m, a, f, now)
}

func (s *Service) rosterPage(tx *gorm.DB, m *staff.Member, a *Activity, f RosterFilter, now time.Time) ([]RosterEntry, int64, error) {
	q, err := rosterQuery(tx, m.Scope(), a, f.Attendance, now)
	if err != nil {
		return nil, 0, err
	}
	var rows []rosterRow
	if err := q.Where("activity_signups.id > ?", f.After).Order("activity_signups.id").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("roster: %w", err)
	}
	var next int64
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next = rows[len(rows)-1].ID
	}
	es, err := s.entries(tx, a, rows, now)
	if err != nil {
		return nil, 0, err
	}
	for i := range es {
		es[i].concealFrom(m)
	}
	return es, next, nil
}

// rosterEntry returns one resident's entry on an activity's roster.
func (s *Service) rosterEntry(tx *gorm.DB, id, residentID int64) (*RosterEntry, error) {
	a, err := s.load(tx, id, false)
	if err != nil {
		return nil, err
	}
	q, _ := rosterQuery(tx, staff.DistrictScope(), a, "", s.clock()) // the caller checked the resident's scope
	var rows []rosterRow
	if err := q.Where("activity_signups.resident_id = ?", residentID).Limit(1).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("roster entry: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrSignupNotFound
	}
	es, err := s.entries(tx, a, rows, s.clock())
	if err != nil {
		return nil, err
	}
	return &es[0], nil
}

// rosterWords name the roster's vocabularies in Chinese, for exports.
var rosterWords = map[string]string{
	Confirmed: "已报名", Waiting: "候补", // Withdrawn and AttCancelled are "cancelled"
	AttCancelled: "已取消", AttCheckedIn: "已签到", AttCheckedOut: "已签退", AttNoShow: "未到",
	MethodVenueCode: "扫场地码", MethodMemberCode: "扫居民码", MethodManual: "手工登记",
	PointsPending: "发放中", PointsGranted: "已发放", PointsRefused: "未发放",
}

func rosterWord(v string) string {
	if w, ok := rosterWords[v]; ok {
		return w
	}
	return v
}

// RosterHeader is the export's header, in Chinese.
var RosterHeader = []string{"报名编号", "居民编号", "昵称", "手机号", "街道", "社区", "报名状态", "出勤",
	"现场登记", "报名时间", "签到时间", "签到方式", "签到说明", "签退时间",
	"签退方式", "签退说明", "志愿时长（小时）", "积分状态", "积分", "积分说明"}

// EachRosterRow calls fn with every row of an activity's whole roster
// within m's scope (as Roster shows it), in batches so that memory stays
// flat: words in Chinese, times in the district's, hours and points as
// numbers (float64, int64), IDs as text. Returns ErrNotFound outside m's
// scope, before calling fn.
func (s *Service) EachRosterRow(ctx context.Context, m *staff.Member, id int64, fn func([]any) error) error {
	now := s.clock()
	tx := s.db.WithContext(ctx)
	a, err := s.owned(tx, m.Scope(), id, false)
	if err != nil {
		return err
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(district.Zone).Format("2006-01-02 15:04:05")
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	for after := int64(0); ; {
		es, next, err := s.rosterPage(tx, m, a, RosterFilter{After: after, Limit: 500}, now)
		if err != nil {
			return err
		}
		for _, e := range es {
			signed := e.SignedUpAt
			text := safeCells([]string{e.Nickname, e.CheckinReason, e.CheckoutReason, e.PointsDetail})
			row := []any{
				idOf(e.ID), idOf(e.ResidentID), text[0], e.PhoneMasked, e.Street, e.Community, rosterWord(string(e.Status)), rosterWord(string(e.Attendance)),
				yes(e.WalkIn), ts(&signed), ts(e.CheckedInAt), rosterWord(string(e.CheckinMethod)), text[1],
				ts(e.CheckedOutAt), rosterWord(string(e.CheckoutMethod)), text[2], e.Hours,
				rosterWord(string(e.PointsStatus)), e.PointsAwarded, text[3],
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		after = next
	}
}

// WriteRosterCSV writes an activity's whole roster within m's scope (as
// EachRosterRow) as CSV (UTF-8 with a byte-order mark, so that spreadsheet
// programs read the Chinese right). Returns ErrNotFound outside m's
// scope, before writing anything.
func (s *Service) WriteRosterCSV(ctx context.Context, m *staff.Member, id int64, w io.Writer) error {
	if _, err := s.owned(s.db.WithContext(ctx), m.Scope(), id, false); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(RosterHeader)
	n := 0
	err := s.EachRosterRow(ctx, m, id, func(row []any) error {
		cells := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case string:
				cells[i] = x
			case float64:
				cells[i] = strconv.FormatFloat(x, 'f', -1, 64)
			case int64:
				cells[i] = strconv.FormatInt(x, 10)
			}
		}
		cw.Write(cells)
		if n++; n%500 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// safeCells defuses spreadsheet formulas in free text (a nickname, a
// reason): a cell starting with = + - @ or a tab is prefixed with '.
func safeCells(row []string) []string {
	for i, v := range row {
		if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
			row[i] = "'" + v
		}
	}
	return row
}
