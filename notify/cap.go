package notify

import (
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/district"
)

// sendDay counts the routine subscribe messages admitted for one resident
// on one district day.
type sendDay struct {
	ResidentID int64
	Day        string
	Sent       int
}

func (sendDay) TableName() string { return "notice_send_days" }

// capDecision is what the daily cap makes of a batch of claimed sends.
type capDecision struct {
	Admitted []int64       // send IDs to make
	Capped   []candidate   // sends over the cap: inbox only
	Sent     map[int64]int // each counted resident's new count
}

// decideCaps passes claimed sends through the daily cap, in their order:
// a send still under the cap is admitted and counted if its resident has
// been sent fewer than limit today (sent), and capped otherwise; any other
// send is admitted.
func decideCaps(cands []candidate, sent map[int64]int, limit int) capDecision {
	out := capDecision{Sent: map[int64]int{}}
	for _, c := range cands {
		if !c.UnderCap || limit <= 0 {
			out.Admitted = append(out.Admitted, c.ID)
			continue
		}
		n, ok := out.Sent[c.ResidentID]
		if !ok {
			n = sent[c.ResidentID]
		}
		if n >= limit {
			out.Capped = append(out.Capped, c)
			continue
		}
		out.Admitted = append(out.Admitted, c.ID)
		out.Sent[c.ResidentID] = n + 1
	}
	return out
}

// admit passes claimed sends through the daily cap in tx: it locks the
// day's counters of their residents (in one order, so that claims don't
// deadlock), decides, counts what it admits and caps the rest, giving back
// the consent they spent. It returns the IDs to send.
func (s *Service) admit(tx *gorm.DB, cands []candidate, now time.Time) ([]int64, error) {
	var residents []int64
	for _, c := range cands {
		if c.UnderCap {
			residents = append(residents, c.ResidentID)
		}
	}
	dailyCap := s.config().DailyCap
	if len(residents) == 0 || dailyCap <= 0 {
		return decideCaps(cands, nil, 0).Admitted, nil
	}
	slices.Sort(residents)
	residents = slices.Compact(residents)
	day := district.Date(now)
	rows := make([]sendDay, len(residents))
	for i, r := range residents {
		rows[i] = sendDay{ResidentID: r, Day: day}
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return nil, err
	}
	var have []sendDay
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("day = ? AND resident_id IN ?", day, residents).
		Order("resident_id").Find(&have).Error
	if err != nil {
		return nil, err
	}
	sent := make(map[int64]int, len(have))
	for _, h := range have {
		sent[h.ResidentID] = h.Sent
	}
	dec := decideCaps(cands, sent, dailyCap)
	if len(dec.Sent) > 0 {
		upd := make([]sendDay, 0, len(dec.Sent))
		for _, r := range residents {
			if n, ok := dec.Sent[r]; ok {
				upd = append(upd, sendDay{ResidentID: r, Day: day, Sent: n})
			}
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "resident_id"}, {Name: "day"}},
			DoUpdates: clause.AssignmentColumns([]string{"sent"}),
		}).Create(&upd).Error
		if err != nil {
			return nil, err
		}
	}
	if len(dec.Capped) > 0 {
		ids := make([]int64, len(dec.Capped))
		back := map[[2]any]int{} // (resident, template) → consents to give back
		for i, c := range dec.Capped {
			ids[i] = c.ID
			if c.QuotaSpent {
				back[[2]any{c.ResidentID, c.TemplateID}]++
			}
		}
		err := tx.Exec(`UPDATE notice_sends SET status = 'capped', under_cap = ?, claim = '', due_at = NULL, updated_at = ?
			WHERE id IN ?`, false, now, ids).Error
		if err != nil {
			return nil, err
		}
		for k, n := range back {
			err := tx.Exec("UPDATE subscription_quotas SET remaining = remaining + ?, updated_at = ? WHERE resident_id = ? AND template_id = ?",
				n, now, k[0], k[1]).Error
			if err != nil {
				return nil, err
			}
		}
	}
	return dec.Admitted, nil
}
