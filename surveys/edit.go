package surveys

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/patch"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Closed is the status staff see for a published survey whose closes_at
// has passed (it is stored as published): residents no longer answer it.
const Closed Status = "closed"

// Errors of editing and closing.
var (
	ErrClosed       = apperr.New(apperr.Conflict, "问卷已结束")
	ErrNotPublished = apperr.New(apperr.Conflict, "问卷尚未发布，草稿可直接修改或删除")
)

// fill sets the status staff see: closed once a published survey's
// closes_at has passed.
func (sv *Survey) fill(now time.Time) {
	if sv.Status == Published && sv.ClosesAt != nil && !now.Before(*sv.ClosesAt) {
		sv.Status = Closed
	}
}

// reach returns the streets an audience reaches: its streets and those of
// its communities; none means every street.
func reach(a notify.Audience, r notify.StreetRegions) []string {
	out := slices.Clone(a.Streets)
	for _, c := range a.Communities {
		if st := r.StreetOf(c); st != "" && !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}

// touches reports whether a survey's audience reaches any street the scope
// covers: such a survey of the scope's department is the scope's to read
// (its statistics count the scope's streets only).
func touches(by staff.Scope, a notify.Audience, r notify.StreetRegions) bool {
	return by.CoversAny(reach(a, r))
}

// readable loads a survey the scope may read: of its department, reaching
// one of its streets. Returns ErrNotFound otherwise.
func (s *Service) readable(tx *gorm.DB, by staff.Scope, id int64, r notify.StreetRegions) (*Survey, error) {
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, err
	}
	if !touches(by, sv.Audience, r) {
		return nil, ErrNotFound
	}
	return sv, nil
}

// editable loads a survey the scope may change: of its department, with an
// audience entirely within its streets (as creating it would require).
// Returns ErrNotFound otherwise.
func (s *Service) editable(tx *gorm.DB, by staff.Scope, id int64, r notify.StreetRegions) (*Survey, error) {
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, err
	}
	if notify.CheckReach(by, sv.Audience, r) != nil {
		return nil, ErrNotFound
	}
	return sv, nil
}

// Patch changes a survey, the body of PATCH /admin/surveys/{id}. Every
// set field replaces the survey's; ClosesAt and Draw may be null (no end;
// fixed questions). A draft may change in everything; a published survey
// only in its end (closes_at), which changes no answer's meaning.
type Patch struct {
	Kind           *Kind                 `json:"kind"`
	Title          *string               `json:"title" binding:"omitempty,max=128"`
	Description    *string               `json:"description" binding:"omitempty,max=2000"`
	Audience       *notify.Audience      `json:"audience"`
	OpensAt        *time.Time            `json:"opens_at"`
	ClosesAt       patch.Null[time.Time] `json:"closes_at" doc:"null: no end. A published survey takes only this field: null or later than now and opens_at (which reopens a closed survey)."`
	Questions      *[]QuestionRef        `json:"questions" binding:"omitempty,max=100" doc:"Fixed questions, as on create."`
	Draw           patch.Null[Draw]      `json:"draw" doc:"null: fixed questions."`
	TimeLimitS     *int                  `json:"time_limit_s" binding:"omitempty,min=10,max=7200"`
	AttemptsPerDay *int                  `json:"attempts_per_day" binding:"omitempty,min=0,max=100" doc:"0: 1"`
	PassScore      *int                  `json:"pass_score" binding:"omitempty,min=0,max=100"`
	PointsRule     *string               `json:"points_rule" binding:"omitempty,max=64"`
	Recurrence     *Recurrence           `json:"recurrence"`
	RetentionDays  *int                  `json:"retention_days" binding:"omitempty,min=1,max=3650"`
}

// fields names the patch's set fields other than closes_at.
func (p *Patch) fields() []string {
	var out []string
	for name, set := range map[string]bool{
		"kind": p.Kind != nil, "title": p.Title != nil, "description": p.Description != nil,
		"audience": p.Audience != nil, "opens_at": p.OpensAt != nil, "questions": p.Questions != nil,
		"draw": p.Draw.Set, "time_limit_s": p.TimeLimitS != nil, "attempts_per_day": p.AttemptsPerDay != nil,
		"pass_score": p.PassScore != nil, "points_rule": p.PointsRule != nil, "recurrence": p.Recurrence != nil,
		"retention_days": p.RetentionDays != nil,
	} {
		if set {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// draftOf returns a draft's settings as the NewSurvey that would create it.
func (s *Service) draftOf(tx *gorm.DB, sv *Survey) (NewSurvey, []int64, error) {
	opens, retention := sv.OpensAt, sv.RetentionDays
	n := NewSurvey{
		Kind: sv.Kind, Title: sv.Title, Description: sv.Description, Audience: sv.Audience,
		OpensAt: &opens, ClosesAt: sv.ClosesAt, PointsRule: sv.PointsRule, Recurrence: Recurrence(sv.Recurrence),
		RetentionDays: &retention,
	}
	if sv.Kind == Quiz {
		pass := sv.PassScore
		n.TimeLimitS, n.AttemptsPerDay, n.PassScore = sv.TimeLimitS, sv.AttemptsPerDay, &pass
	}
	if sv.DrawCount > 0 {
		n.Draw = &Draw{Tags: sv.DrawTags, Count: sv.DrawCount}
	}
	its, err := s.items(tx, sv.ID)
	if err != nil {
		return n, nil, err
	}
	ids := make([]int64, len(its))
	for i, it := range its {
		required := it.Required
		n.Questions = append(n.Questions, QuestionRef{ID: it.ID, Required: &required})
		ids[i] = it.ID
	}
	return n, ids, nil
}

// applyTo overlays the patch on a draft's settings. Changing the kind
// drops settings the new kind does not take, unless the patch sets them.
func (p *Patch) applyTo(n *NewSurvey) {
	if p.Kind != nil && *p.Kind != n.Kind {
		n.Kind = *p.Kind
		if n.Kind == Quiz {
			n.Recurrence = ""
		} else {
			n.TimeLimitS, n.AttemptsPerDay, n.PassScore, n.Draw = 0, 0, nil, nil
		}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&n.Title, p.Title)
	set(&n.Description, p.Description)
	set(&n.PointsRule, p.PointsRule)
	if p.Recurrence != nil {
		n.Recurrence = *p.Recurrence
	}
	if p.Audience != nil {
		n.Audience = *p.Audience
	}
	if p.OpensAt != nil {
		n.OpensAt = p.OpensAt
	}
	if p.ClosesAt.Set {
		n.ClosesAt = p.ClosesAt.Value
	}
	if p.Questions != nil {
		n.Questions = *p.Questions
	}
	if p.Draw.Set {
		n.Draw = p.Draw.Value
	}
	if p.TimeLimitS != nil {
		n.TimeLimitS = *p.TimeLimitS
	}
	if p.AttemptsPerDay != nil {
		n.AttemptsPerDay = *p.AttemptsPerDay
	}
	if p.PassScore != nil {
		n.PassScore = p.PassScore
	}
	if p.RetentionDays != nil {
		n.RetentionDays = p.RetentionDays
	}
}

// Update changes a survey of m's department within m's streets. A draft
// takes any change, checked as Create checks a new survey (questions it
// already has may stay though retired since). A published survey takes
// only a new end: closes_at null or later than now and opens_at (which
// reopens a closed one); any other field is a conflict naming it. Returns
// ErrNotFound for a survey m may not change.
func (s *Service) Update(ctx context.Context, m *staff.Member, r notify.StreetRegions, id int64, p Patch) (*Survey, error) {
	by := m.Scope()
	now := s.now().UTC()
	cur, err := s.editable(s.db.WithContext(ctx), by, id, r)
	if err != nil {
		return nil, err
	}
	if cur.Status != Draft {
		return s.extend(ctx, cur, p, now)
	}
	n, had, err := s.draftOf(s.db.WithContext(ctx), cur)
	if err != nil {
		return nil, fmt.Errorf("update survey: %w", err)
	}
	p.applyTo(&n)
	if err := s.check(ctx, by, &n, r, now); err != nil {
		return nil, err
	}
	sv := *cur
	n.apply(&sv, now)
	kept := map[int64]bool{}
	for _, id := range had {
		kept[id] = true
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.checkDraw(tx, &sv); err != nil {
			return err
		}
		res := tx.Model(&Survey{}).Where("id = ? AND status = ?", id, Draft).
			Select("kind", "title", "description", "audience", "opens_at", "closes_at", "draw_tags", "draw_count",
				"time_limit_s", "attempts_per_day", "pass_score", "points_rule", "recurrence", "retention_days", "updated_at").
			Updates(&sv)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAlreadyPublished
		}
		if err := tx.Exec("DELETE FROM survey_items WHERE survey_id = ?", id).Error; err != nil {
			return err
		}
		if err := surveyReach().Record(tx, id, reach(sv.Audience, r)); err != nil {
			return err
		}
		staff.AuditChanges(ctx, *cur, sv)
		return s.storeItems(tx, by, m.ID, &sv, n.Questions, kept)
	})
	if err != nil {
		return nil, fmt.Errorf("update survey: %w", err)
	}
	return s.adminView(ctx, &sv)
}

// extend changes a published survey's end.
func (s *Service) extend(ctx context.Context, sv *Survey, p Patch, now time.Time) (*Survey, error) {
	if fs := p.fields(); len(fs) > 0 {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "已发布的问卷只能修改截止时间（closes_at）",
			Fields: map[string]string{fs[0]: "已发布，不能修改"}}
	}
	if !p.ClosesAt.Set {
		return s.adminView(ctx, sv)
	}
	if end := p.ClosesAt.Value; end != nil && (!end.After(now) || !end.After(sv.OpensAt)) {
		return nil, apperr.Field("closes_at", "须晚于现在和开始时间")
	}
	closes := utcPtr(p.ClosesAt.Value)
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&Survey{}).Where("id = ? AND status = ?", sv.ID, Published).
			Updates(map[string]any{"closes_at": closes, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		after := *sv
		after.ClosesAt, after.UpdatedAt = closes, now
		staff.AuditChanges(ctx, *sv, after)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("extend survey: %w", err)
	}
	sv.ClosesAt, sv.UpdatedAt = closes, now
	return s.adminView(ctx, sv)
}

// Close ends a published survey now: residents can no longer answer it,
// and its answers and statistics stay. Returns ErrNotFound for a survey m
// may not change, ErrNotPublished for a draft and ErrClosed for one
// already closed.
func (s *Service) Close(ctx context.Context, m *staff.Member, r notify.StreetRegions, id int64) (*Survey, error) {
	now := s.now().UTC()
	var sv *Survey
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if sv, err = s.editable(tx, m.Scope(), id, r); err != nil {
			return err
		}
		switch {
		case sv.Status == Draft:
			return ErrNotPublished
		case sv.ClosesAt != nil && !now.Before(*sv.ClosesAt):
			return ErrClosed
		}
		res := tx.Model(&Survey{}).Where("id = ? AND status = ? AND (closes_at IS NULL OR closes_at > ?)", id, Published, now).
			Updates(map[string]any{"closes_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrClosed
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("close survey: %w", err)
	}
	sv.ClosesAt, sv.UpdatedAt = &now, now
	return s.adminView(ctx, sv)
}
