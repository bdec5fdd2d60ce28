package requests

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// Groupings of the statistics.
const (
	ByDepartment = "department"
	ByCategory   = "category"
	ByStreet     = "street"
)

// GroupBy is what a month's figures are grouped by.
type GroupBy string

// Enum lists the groupings.
func (GroupBy) Enum() []string { return []string{ByDepartment, ByCategory, ByStreet} }

// Figures are the district's published figures for a set of requests
// received in a month. A rate whose base is zero is nil.
type Figures struct {
	Key                string   `json:"key" doc:"department ID, category code or street; '' for the total or the district's own queue"`
	Name               string   `json:"name" doc:"department or category name, or the street"`
	Received           int      `json:"received"`
	Responded          int      `json:"responded" doc:"accepted by the desk"`
	AcceptNoticed      int      `json:"accept_noticed" doc:"the resident got an acceptance notice"`
	Answered           int      `json:"answered"`
	OnTime             int      `json:"on_time" doc:"answered by the deadline"`
	ResponseRate       *float64 `json:"response_rate" doc:"0–1; null when its base is 0"`
	AcceptNoticeRate   *float64 `json:"accept_notice_rate" doc:"0–1; null when its base is 0"`
	OnTimeRate         *float64 `json:"on_time_rate" doc:"on_time / answered; null when none was answered"`
	AvgHandlingHours   *float64 `json:"avg_handling_hours" doc:"submit to answer, in hours; null when none was answered"`
	Rated              int      `json:"rated"`
	MeanRating         *float64 `json:"mean_rating" doc:"null when none was rated"`
	SatisfiedShare     *float64 `json:"satisfied_share" doc:"ratings of 4–5 among those rated; null when none was"`
	Reopened           int      `json:"reopened"`
	handlingHoursTotal float64
	ratingTotal        int
	satisfied          int
}

// Stats are the figures of a month by department, category or street.
type Stats struct {
	Month   string    `json:"month"`
	GroupBy GroupBy   `json:"group_by"`
	Rows    []Figures `json:"rows"`
	Total   Figures   `json:"total"`
}

type statRow struct {
	DepartmentID    *int64
	Category        string
	Street          string
	AcceptedAt      *time.Time
	AcceptNoticedAt *time.Time
	AnsweredAt      *time.Time
	DeadlineAt      time.Time
	Rating          *int
	Reopened        int
	CreatedAt       time.Time
}

// Stats counts the requests received in month ("2006-01", district time)
// that the member's scope covers, grouped by groupBy. Erased requests
// count: their anonymous record stays. Returns an invalid_argument error
// naming month or group_by.
func (s *Service) Stats(ctx context.Context, m *staff.Member, month, groupBy string) (*Stats, error) {
	f := map[string]string{}
	start, err := time.ParseInLocation("2006-01", month, district.Zone)
	if err != nil {
		f["month"] = "须为月份，如 2026-11"
	}
	if !slices.Contains(GroupBy("").Enum(), groupBy) {
		f["group_by"] = "须为 department、category 或 street"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	end := start.AddDate(0, 1, 0)
	var rows []statRow
	q := m.Scope().Filter(s.db.WithContext(ctx).Model(&Request{}), staff.Columns{Street: "street", Department: "department_id"})
	err = q.Select("department_id, category, street, accepted_at, accept_noticed_at, answered_at, deadline_at, rating, reopened, created_at").
		Where("created_at >= ? AND created_at < ?", start.UTC(), end.UTC()).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("request stats: %w", err)
	}
	groups := map[string]*Figures{}
	total := &Figures{}
	var keys []string
	for _, r := range rows {
		key := r.Street
		switch groupBy {
		case ByDepartment:
			key = ""
			if r.DepartmentID != nil {
				key = strconv.FormatInt(*r.DepartmentID, 10)
			}
		case ByCategory:
			key = r.Category
		}
		g := groups[key]
		if g == nil {
			g = &Figures{Key: key, Name: key}
			groups[key] = g
			keys = append(keys, key)
		}
		g.add(r)
		total.add(r)
	}
	slices.Sort(keys)
	if err := s.nameGroups(ctx, groupBy, groups); err != nil {
		return nil, err
	}
	out := &Stats{Month: month, GroupBy: GroupBy(groupBy), Rows: make([]Figures, 0, len(keys))}
	for _, k := range keys {
		groups[k].finish()
		out.Rows = append(out.Rows, *groups[k])
	}
	total.finish()
	total.Name = "合计"
	out.Total = *total
	return out, nil
}

func (g *Figures) add(r statRow) {
	g.Received++
	if r.AcceptedAt != nil {
		g.Responded++
	}
	if r.AcceptNoticedAt != nil {
		g.AcceptNoticed++
	}
	if r.AnsweredAt != nil {
		g.Answered++
		if !r.AnsweredAt.After(r.DeadlineAt) {
			g.OnTime++
		}
		g.handlingHoursTotal += r.AnsweredAt.Sub(r.CreatedAt).Hours()
	}
	if r.Rating != nil {
		g.Rated++
		g.ratingTotal += *r.Rating
		if *r.Rating >= 4 {
			g.satisfied++
		}
	}
	if r.Reopened > 0 {
		g.Reopened++
	}
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(int(float64(n)/float64(d)*10000+0.5)) / 10000
	return &v
}

func (g *Figures) finish() {
	g.ResponseRate = ratio(g.Responded, g.Received)
	g.AcceptNoticeRate = ratio(g.AcceptNoticed, g.Received)
	g.OnTimeRate = ratio(g.OnTime, g.Answered)
	g.SatisfiedShare = ratio(g.satisfied, g.Rated)
	if g.Answered > 0 {
		v := float64(int(g.handlingHoursTotal/float64(g.Answered)*10+0.5)) / 10
		g.AvgHandlingHours = &v
	}
	if g.Rated > 0 {
		v := float64(int(float64(g.ratingTotal)/float64(g.Rated)*100+0.5)) / 100
		g.MeanRating = &v
	}
}

func (s *Service) nameGroups(ctx context.Context, groupBy string, groups map[string]*Figures) error {
	switch groupBy {
	case ByDepartment:
		var ids []int64
		for k, g := range groups {
			if k == "" {
				g.Name = "区级平台（未分派）"
				continue
			}
			id, _ := strconv.ParseInt(k, 10, 64)
			ids = append(ids, id)
		}
		names, err := s.departmentNames(ctx, ids)
		if err != nil {
			return err
		}
		for id, n := range names {
			groups[strconv.FormatInt(id, 10)].Name = n
		}
	case ByCategory:
		cats, err := s.Categories(ctx, false)
		if err != nil {
			return err
		}
		for _, c := range cats {
			if g := groups[c.Code]; g != nil {
				g.Name = c.Name
			}
		}
	}
	return nil
}

// WriteCSV writes the statistics as CSV (UTF-8 with a BOM, so that Excel
// reads the Chinese names).
func (st *Stats) WriteCSV(w io.Writer) error {
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
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	cw.Write([]string{"月份", "分组", "名称", "受理量", "响应数", "响应率%", "受理告知率%", "已答复", "按时办结率%", "平均办理时长(小时)", "评价数", "平均评分", "满意率%", "重办数"})
	group := map[string]string{ByDepartment: "部门", ByCategory: "类别", ByStreet: "街道"}[string(st.GroupBy)]
	for _, g := range append(slices.Clone(st.Rows), st.Total) {
		cw.Write([]string{st.Month, group, g.Name, strconv.Itoa(g.Received), strconv.Itoa(g.Responded), pct(g.ResponseRate),
			pct(g.AcceptNoticeRate), strconv.Itoa(g.Answered), pct(g.OnTimeRate), num(g.AvgHandlingHours), strconv.Itoa(g.Rated),
			num(g.MeanRating), pct(g.SatisfiedShare), strconv.Itoa(g.Reopened)})
	}
	cw.Flush()
	return cw.Error()
}

// Overdue counts the open requests (neither answered nor closed) whose
// deadline has passed: 民意速办's deadline breaches, for the metrics.
func (s *Service) Overdue(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("requests").
		Where("status IN ? AND deadline_at < ?", []string{StatusSubmitted, StatusTransferred, StatusAccepted, StatusInProgress}, s.now().UTC()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("overdue requests: %w", err)
	}
	return n, nil
}
