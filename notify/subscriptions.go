package notify

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// Quota is how many subscribe messages of a template a resident may still
// be sent: one per "accept", none after "reject" or "ban". For a
// long-term template (LongTerm) consent is kept, not counted: Quota is 1
// while it lasts and 0 once the resident turned it off.
type Quota struct {
	TemplateID string `json:"template_id"`
	Quota      int    `json:"quota" doc:"sends left for this template (long-term: 1 while consent lasts)"`
	LongTerm   bool   `json:"long_term" doc:"a long-term template (长期订阅): consent is kept, not spent; quota is 1 while it lasts, 0 once turned off"`
}

type quotaRow struct {
	ResidentID  int64
	TemplateID  string
	Remaining   int
	SpentNotice int64
	UpdatedAt   time.Time
}

func (quotaRow) TableName() string { return "subscription_quotas" }

type subscriptionEvent struct {
	ID         int64
	ResidentID int64
	TemplateID string
	Result     string
	CreatedAt  time.Time
}

func (subscriptionEvent) TableName() string { return "subscription_events" }

var templateIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidTemplateID reports whether id has the shape of a WeChat template ID.
func ValidTemplateID(id string) bool { return templateIDPattern.MatchString(id) }

// errMsgKey is the key of wx.requestSubscribeMessage's own status in its
// result object, next to the templates' results.
const errMsgKey = "errMsg"

// accepts reports whether a result of wx.requestSubscribeMessage is a
// consent: "accept", or an accept with a voice or banner alert.
func accepts(result string) bool {
	return result == "accept" || result == "acceptWithAudio" || result == "acceptWithAlert"
}

// SaveSubscriptions records what wx.requestSubscribeMessage returned, its
// result object as is: "errMsg" is ignored; each "accept" (or
// "acceptWithAudio", "acceptWithAlert") adds one send to the resident's
// quota for that template, "reject" and "ban" set it to zero, "filter"
// changes nothing; an accept of a long-term template keeps consent (quota
// 1) until a reject or ban. Every template's result is kept in the consent
// ledger as given. It returns the resident's quotas, or an invalid_argument error
// naming "results".
func (s *Service) SaveSubscriptions(ctx context.Context, residentID int64, results map[string]string) ([]Quota, error) {
	templates := make([]string, 0, len(results))
	for t, r := range results {
		if t == errMsgKey {
			continue
		}
		if !templateIDPattern.MatchString(t) {
			return nil, apperr.Field("results", fmt.Sprintf("无效的模板 ID %q", t))
		}
		if !accepts(r) && r != "reject" && r != "ban" && r != "filter" {
			return nil, apperr.Field("results", fmt.Sprintf("模板 %q 的结果须为 accept、acceptWithAudio、acceptWithAlert、reject、ban 或 filter", t))
		}
		templates = append(templates, t)
	}
	if len(templates) == 0 || len(templates) > 20 {
		return nil, apperr.Field("results", "须有 1–20 个模板结果")
	}
	// One lock order for every request, so two can't deadlock.
	sort.Strings(templates)
	now := s.clock()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		for _, t := range templates {
			r := results[t]
			if err := tx.Create(&subscriptionEvent{ResidentID: residentID, TemplateID: t, Result: r, CreatedAt: now}).Error; err != nil {
				return err
			}
			var set clause.Set
			row := quotaRow{ResidentID: residentID, TemplateID: t, UpdatedAt: now}
			switch {
			case accepts(r) && s.config().longTerm[t]:
				row.Remaining = 1
				set = clause.Assignments(map[string]any{"remaining": 1, "updated_at": now})
			case accepts(r):
				row.Remaining = 1
				set = clause.Assignments(map[string]any{"remaining": gorm.Expr("subscription_quotas.remaining + 1"), "updated_at": now})
			case r == "reject" || r == "ban":
				set = clause.Assignments(map[string]any{"remaining": 0, "updated_at": now})
			default:
				continue
			}
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "resident_id"}, {Name: "template_id"}},
				DoUpdates: set,
			}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save subscriptions: %w", err)
	}
	return s.Quotas(ctx, residentID)
}

// Quotas lists a resident's subscribe-message quotas by template.
func (s *Service) Quotas(ctx context.Context, residentID int64) ([]Quota, error) {
	out := []Quota{}
	err := s.db.WithContext(ctx).Table("subscription_quotas").Select("template_id, remaining AS quota").
		Where("resident_id = ?", residentID).Order("template_id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	for i := range out {
		out[i].LongTerm = s.config().longTerm[out[i].TemplateID]
	}
	return out, nil
}
