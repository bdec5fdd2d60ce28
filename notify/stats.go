package notify

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"github.com/futian/ifutian/staff"
)

// WeChatStats counts a notice's subscribe messages by outcome. Pending
// includes sends in flight; Held are waiting for quiet hours to end;
// Capped went over the resident's daily cap and stay in the inbox only;
// cancelled ones were withdrawn before sending.
type WeChatStats struct {
	Sent      int64 `json:"sent"`
	Failed    int64 `json:"failed"`
	NoQuota   int64 `json:"no_quota" doc:"WeChat answered 43101: the consent was gone"`
	Pending   int64 `json:"pending" doc:"queued (urgent, or routine outside quiet hours) or in flight"`
	Held      int64 `json:"held" doc:"routine sends waiting for quiet hours to end"`
	Capped    int64 `json:"capped" doc:"routine sends over the resident's daily cap: inbox only, consent given back"`
	Cancelled int64 `json:"cancelled" doc:"not sent because the notice was withdrawn or the resident deleted"`
}

// SMSStats counts a notice's text messages by outcome, as WeChatStats.
type SMSStats struct {
	Sent      int64 `json:"sent"`
	Failed    int64 `json:"failed"`
	Pending   int64 `json:"pending"`
	Cancelled int64 `json:"cancelled"`
}

func (m *SMSStats) add(status string, n int64) {
	switch status {
	case "sent":
		m.Sent += n
	case "failed":
		m.Failed += n
	case "pending", "sending":
		m.Pending += n
	case "cancelled":
		m.Cancelled += n
	}
}

// StreetStats are the figures of one street.
type StreetStats struct {
	Street   string      `json:"street" doc:"the recipient's street at publication"`
	Targeted int64       `json:"targeted"`
	Read     int64       `json:"read"`
	Acked    int64       `json:"acked"`
	WeChat   WeChatStats `json:"wechat"`
	SMS      SMSStats    `json:"sms"`
}

// Stats are a notice's reach: how many it targeted (frozen at
// publication), read and acknowledged it, and its WeChat sends, in all and
// by street.
type Stats struct {
	Targeted int64         `json:"targeted"`
	Read     int64         `json:"read"`
	Acked    int64         `json:"acked"`
	WeChat   WeChatStats   `json:"wechat"`
	SMS      SMSStats      `json:"sms" doc:"text messages of an urgent notice with SMS, to recipients without WeChat reach"`
	ByStreet []StreetStats `json:"by_street"`
}

func (w *WeChatStats) add(status string, n int64) {
	switch status {
	case "sent":
		w.Sent += n
	case "failed":
		w.Failed += n
	case "no_quota":
		w.NoQuota += n
	case "pending", "sending":
		w.Pending += n
	case "held":
		w.Held += n
	case "capped":
		w.Capped += n
	case "cancelled":
		w.Cancelled += n
	}
}

// Stats returns a notice's statistics for m, counting only recipients of
// the streets m covers. It returns ErrNotFound for a notice outside m's
// scope, as FindByID does.
func (s *Service) Stats(ctx context.Context, m *staff.Member, r StreetRegions, id int64) (*Stats, error) {
	n, _, err := s.FindByID(ctx, m, r, id)
	if err != nil {
		return nil, err
	}
	scope := m.Scope()
	gdb := s.db.WithContext(ctx)
	inScope := func(table string) *gorm.DB {
		return scope.Filter(gdb.Table(table), staff.Columns{Street: "street"}).Where("notice_id = ?", id)
	}
	var rows []struct {
		Street   string
		Targeted int64
		Read     int64
		Acked    int64
	}
	err = inScope("notice_recipients").
		Select("street, COUNT(*) AS targeted, COUNT(read_at) AS `read`, COUNT(acked_at) AS acked").
		Group("street").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("notice stats: %w", err)
	}
	var sends []struct {
		Street  string
		Channel string
		Status  string
		N       int64
	}
	err = inScope("notice_sends").Select("street, channel, status, COUNT(*) AS n").
		Group("street, channel, status").Scan(&sends).Error
	if err != nil {
		return nil, fmt.Errorf("notice send stats: %w", err)
	}
	st := &Stats{Targeted: n.Targeted}
	by := map[string]*StreetStats{}
	get := func(street string) *StreetStats {
		if by[street] == nil {
			by[street] = &StreetStats{Street: street}
		}
		return by[street]
	}
	var targeted int64
	for _, row := range rows {
		targeted += row.Targeted
		st.Read += row.Read
		st.Acked += row.Acked
		ss := get(row.Street)
		ss.Targeted, ss.Read, ss.Acked = row.Targeted, row.Read, row.Acked
	}
	if !scope.AllStreets() {
		// The frozen total counts every street; m sees only theirs.
		st.Targeted = targeted
	}
	for _, row := range sends {
		if row.Channel == "sms" {
			st.SMS.add(row.Status, row.N)
			get(row.Street).SMS.add(row.Status, row.N)
			continue
		}
		st.WeChat.add(row.Status, row.N)
		get(row.Street).WeChat.add(row.Status, row.N)
	}
	st.ByStreet = make([]StreetStats, 0, len(by))
	for _, v := range by {
		st.ByStreet = append(st.ByStreet, *v)
	}
	sort.Slice(st.ByStreet, func(i, j int) bool { return st.ByStreet[i].Street < st.ByStreet[j].Street })
	return st, nil
}
