package requests

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// FlowFigures are the work order's published figures (issue 25) of a unit
// or a street in a month. A rate whose base is zero is nil.
//
//   - 签收率 (sign_rate): stays at a unit that began in the month and were
//     signed for within the limit, of all of them; late_signed counts
//     those signed after it or still unsigned past it.
//   - 退单率 (return_rate): those stays the unit ended with a return.
//   - 按时办结率 (on_time_rate): requests received in the month and
//     answered, answered by their deadline (as extended).
//   - 延期率 (extension_rate): requests received whose deadline an approved
//     extension moved.
//   - 重办率 (redo_rate): answered requests reopened by the resident or sent
//     back after a call-back.
//   - 满意率 (satisfied_rate): of those rated, satisfied: the call-back's
//     result where there was one, else a rating of 4–5.
//   - 催办 (urges) and 督办 (supervisions) made in the month.
type FlowFigures struct {
	Key           string   `json:"key"`  // department ID or street; "" for the total
	Name          string   `json:"name"` // department name or street
	Assigned      int      `json:"assigned"`
	SignedOnTime  int      `json:"signed_on_time"`
	LateSigned    int      `json:"late_signed"`
	Returned      int      `json:"returned"`
	Received      int      `json:"received"`
	Answered      int      `json:"answered"`
	OnTime        int      `json:"on_time"`
	Extended      int      `json:"extended"`
	Redone        int      `json:"redone"`
	Rated         int      `json:"rated"`
	Satisfied     int      `json:"satisfied"`
	Urges         int      `json:"urges"`
	Supervisions  int      `json:"supervisions"`
	SignRate      *float64 `json:"sign_rate"`
	ReturnRate    *float64 `json:"return_rate"`
	OnTimeRate    *float64 `json:"on_time_rate"`
	ExtensionRate *float64 `json:"extension_rate"`
	RedoRate      *float64 `json:"redo_rate"`
	SatisfiedRate *float64 `json:"satisfied_rate"`
}

// FlowStats are the work order's figures of a month by unit or street.
type FlowStats struct {
	Month   string        `json:"month"`
	GroupBy string        `json:"group_by"`
	Rows    []FlowFigures `json:"rows"`
	Total   FlowFigures   `json:"total"`
}

// FlowStats counts the work order of month ("2006-01", district time) by
// unit (ByDepartment) or street (ByStreet), within the member's scope: the
// centre sees every unit, a unit its own. Returns an invalid_argument
// error naming month or group_by.
func (s *Service) FlowStats(ctx context.Context, m *staff.Member, month, groupBy string) (*FlowStats, error) {
	f := map[string]string{}
	start, err := time.ParseInLocation("2006-01", month, district.Zone)
	if err != nil {
		f["month"] = "须为月份，如 2026-11"
	}
	if groupBy != ByDepartment && groupBy != ByStreet {
		f["group_by"] = "须为 department 或 street"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	from, to := start.UTC(), start.AddDate(0, 1, 0).UTC()
	now := s.clock()
	sc := m.Scope()
	cols := staff.Columns{Street: "street", Department: "department_id"}
	q := func(model any) *gorm.DB { return sc.Filter(s.db.WithContext(ctx).Model(model), cols) }

	groups := map[string]*FlowFigures{}
	total := &FlowFigures{Name: "合计"}
	group := func(dept *int64, street string) *FlowFigures {
		key := street
		if groupBy == ByDepartment {
			key = ""
			if dept != nil {
				key = strconv.FormatInt(*dept, 10)
			}
		}
		g := groups[key]
		if g == nil {
			g = &FlowFigures{Key: key, Name: key}
			groups[key] = g
		}
		return g
	}
	both := func(dept *int64, street string, add func(*FlowFigures)) {
		add(group(dept, street))
		add(total)
	}

	var as []Assignment
	if err := q(&Assignment{}).Where("arrived_at >= ? AND arrived_at < ?", from, to).Find(&as).Error; err != nil {
		return nil, fmt.Errorf("flow stats: %w", err)
	}
	for _, a := range as {
		both(&a.DepartmentID, a.Street, func(g *FlowFigures) {
			g.Assigned++
			switch {
			case a.SignedAt != nil && !a.SignedAt.After(a.SignDeadlineAt):
				g.SignedOnTime++
			case a.SignedAt != nil || (!a.Returned && now.After(a.SignDeadlineAt)):
				g.LateSigned++
			}
			if a.Returned {
				g.Returned++
			}
		})
	}
	var rs []Request
	if err := q(&Request{}).Select("department_id, street, answered_at, deadline_at, rating, reopened, redone, extended_days, callback_result, urges").
		Where("created_at >= ? AND created_at < ?", from, to).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("flow stats: %w", err)
	}
	for _, r := range rs {
		both(r.DepartmentID, r.Street, func(g *FlowFigures) {
			g.Received++
			if r.AnsweredAt != nil {
				g.Answered++
				if !r.AnsweredAt.After(r.DeadlineAt) {
					g.OnTime++
				}
				if r.Reopened > 0 || r.Redone > 0 {
					g.Redone++
				}
			}
			if r.ExtendedDays > 0 {
				g.Extended++
			}
			switch {
			case r.CallbackResult != "":
				g.Rated++
				if r.CallbackResult == CallbackSatisfied {
					g.Satisfied++
				}
			case r.Rating != nil:
				g.Rated++
				if *r.Rating >= 4 {
					g.Satisfied++
				}
			}
		})
	}
	var us []Urge
	if err := q(&Urge{}).Where("created_at >= ? AND created_at < ?", from, to).Find(&us).Error; err != nil {
		return nil, fmt.Errorf("flow stats: %w", err)
	}
	for _, u := range us {
		both(&u.DepartmentID, u.Street, func(g *FlowFigures) {
			if u.Kind == SuperviseKind {
				g.Supervisions++
			} else {
				g.Urges++
			}
		})
	}

	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if groupBy == ByDepartment {
		var ids []int64
		for _, k := range keys {
			if id, err := strconv.ParseInt(k, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		names, err := s.departmentNames(ctx, ids)
		if err != nil {
			return nil, err
		}
		for k, g := range groups {
			if k == "" {
				g.Name = "分拨中心（未派单）"
				continue
			}
			id, _ := strconv.ParseInt(k, 10, 64)
			g.Name = names[id]
		}
	}
	out := &FlowStats{Month: month, GroupBy: groupBy, Rows: make([]FlowFigures, 0, len(keys))}
	for _, k := range keys {
		groups[k].finish()
		out.Rows = append(out.Rows, *groups[k])
	}
	total.finish()
	out.Total = *total
	return out, nil
}

func (g *FlowFigures) finish() {
	g.SignRate = ratio(g.SignedOnTime, g.Assigned)
	g.ReturnRate = ratio(g.Returned, g.Assigned)
	g.OnTimeRate = ratio(g.OnTime, g.Answered)
	g.ExtensionRate = ratio(g.Extended, g.Received)
	g.RedoRate = ratio(g.Redone, g.Answered)
	g.SatisfiedRate = ratio(g.Satisfied, g.Rated)
}

// WriteCSV writes the figures as CSV (UTF-8 with a BOM, for Excel).
func (st *FlowStats) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	pct := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v*100, 'f', 1, 64)
	}
	n := strconv.Itoa
	cw.Write([]string{"月份", "分组", "名称", "派单数", "按时签收", "逾期签收", "签收率%", "退单数", "退单率%", "受理量", "已答复",
		"按时办结", "按时办结率%", "延期数", "延期率%", "重办数", "重办率%", "评价数", "满意数", "满意率%", "催办数", "督办数"})
	for _, g := range append(slices.Clone(st.Rows), st.Total) {
		cw.Write([]string{st.Month, st.GroupBy, g.Name, n(g.Assigned), n(g.SignedOnTime), n(g.LateSigned), pct(g.SignRate),
			n(g.Returned), pct(g.ReturnRate), n(g.Received), n(g.Answered), n(g.OnTime), pct(g.OnTimeRate), n(g.Extended),
			pct(g.ExtensionRate), n(g.Redone), pct(g.RedoRate), n(g.Rated), n(g.Satisfied), pct(g.SatisfiedRate),
			n(g.Urges), n(g.Supervisions)})
	}
	cw.Flush()
	return cw.Error()
}
