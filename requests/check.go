package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/futian/ifutian/residents"
	"gorm.io/gorm"
)

// Verdicts of a content check, as WeChat's security API suggests.
const (
	VerdictPass   = "pass"
	VerdictReview = "review"
	VerdictRisky  = "risky"
)

// Checker checks user content with WeChat's content security (msgSecCheck
// v2, mediaCheckAsync v2).
type Checker interface {
	// CheckText returns the verdict for content written by the user of
	// openID. An error for which Transient is true is retried later; any
	// other error (61010: the user was not seen in two hours) makes the
	// text "review".
	CheckText(ctx context.Context, openID, title, content string) (string, error)
	// CheckImageAsync asks WeChat to fetch mediaURL and check it; the
	// verdict comes back by push (ApplyMediaVerdict) under the trace ID.
	CheckImageAsync(ctx context.Context, openID, mediaURL string) (traceID string, err error)
	// Transient reports whether a failed check may succeed later.
	Transient(err error) bool
}

// base is where WeChat fetches photos to check from (Deps.MediaBase).
func (s *Service) base() string {
	if s.mediaBase == nil {
		return ""
	}
	return s.mediaBase()
}

// maxCheckAttempts is how often an unreachable check is tried before the
// item is marked review.
const maxCheckAttempts = 12

func backoff(attempts int) time.Duration {
	return min(time.Minute<<min(attempts, 6), time.Hour)
}

// RunChecks sends the content checks that are due, at most limit of each
// kind, and returns how many it decided or sent. A check WeChat cannot
// answer now stays queued with a later retry time, so an outage never
// loses a request: the request itself reached its department on submit.
func (s *Service) RunChecks(ctx context.Context, limit int) (int, error) {
	if s.checker == nil {
		return 0, nil
	}
	now := s.clock()
	var reqs []Request
	err := s.db.WithContext(ctx).Where("text_check = ? AND check_next_at <= ? AND erased_at IS NULL", CheckQueued, now).
		Order("check_next_at").Limit(limit).Find(&reqs).Error
	if err != nil {
		return 0, fmt.Errorf("due checks: %w", err)
	}
	done := 0
	var errs []error
	for _, r := range reqs {
		openID, err := s.openID(ctx, r.ResidentID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		verdict := VerdictReview
		if openID != "" {
			cat, _ := s.category(ctx, s.db, r.Category)
			title := r.Category
			if cat != nil {
				title = cat.Name
			}
			verdict, err = s.checker.CheckText(ctx, openID, title, r.Description+"\n"+r.Address)
		}
		upd := map[string]any{"text_check": verdictState(verdict), "check_attempts": r.CheckAttempts + 1}
		if err != nil {
			upd["text_check"] = CheckReview
			if s.checker.Transient(err) && r.CheckAttempts+1 < maxCheckAttempts {
				upd["text_check"], upd["check_next_at"] = CheckQueued, now.Add(backoff(r.CheckAttempts))
			}
		}
		if err := s.db.WithContext(ctx).Model(&Request{}).Where("id = ? AND text_check = ?", r.ID, CheckQueued).Updates(upd).Error; err != nil {
			errs = append(errs, err)
			continue
		}
		done++
	}
	n, err := s.sendPhotoChecks(ctx, now, limit)
	return done + n, errors.Join(append(errs, err)...)
}

func verdictState(v string) string {
	switch v {
	case VerdictPass:
		return CheckPass
	case VerdictRisky:
		return CheckRisky
	}
	return CheckReview
}

func (s *Service) sendPhotoChecks(ctx context.Context, now time.Time, limit int) (int, error) {
	var photos []Photo
	err := s.db.WithContext(ctx).Where("check_status = ? AND check_next_at <= ? AND request_id IS NOT NULL", CheckQueued, now).
		Order("check_next_at").Limit(limit).Find(&photos).Error
	if err != nil {
		return 0, fmt.Errorf("due photo checks: %w", err)
	}
	done := 0
	var errs []error
	for _, p := range photos {
		openID, err := s.openID(ctx, p.ResidentID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		base := s.base()
		if openID == "" || base == "" {
			errs = append(errs, s.db.WithContext(ctx).Model(&Photo{}).Where("id = ?", p.ID).Update("check_status", CheckReview).Error)
			continue
		}
		// The media URL must work before WeChat is asked: it may fetch at
		// once. Its verdict may arrive before the trace ID is stored; the
		// push then fails and WeChat pushes again.
		token := randomToken()
		if err := s.db.WithContext(ctx).Model(&Photo{}).Where("id = ? AND check_status = ?", p.ID, CheckQueued).
			Updates(map[string]any{"check_status": CheckSent, "media_token": token, "check_attempts": p.CheckAttempts + 1}).Error; err != nil {
			errs = append(errs, err)
			continue
		}
		trace, err := s.checker.CheckImageAsync(ctx, openID, base+"/api/v1/wechat/media/"+token)
		upd := map[string]any{"trace_id": trace}
		if err != nil {
			upd = map[string]any{"check_status": CheckReview, "media_token": nil}
			if s.checker.Transient(err) && p.CheckAttempts+1 < maxCheckAttempts {
				upd["check_status"], upd["check_next_at"] = CheckQueued, now.Add(backoff(p.CheckAttempts))
			}
		}
		if err := s.db.WithContext(ctx).Model(&Photo{}).Where("id = ?", p.ID).Updates(upd).Error; err != nil {
			errs = append(errs, err)
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// openID returns a resident's openid, "" for an erased resident.
func (s *Service) openID(ctx context.Context, residentID int64) (string, error) {
	var ids []*string
	if err := s.db.WithContext(ctx).Table(residents.From("r")).Where(residents.IDColumn("r")+" = ?", residentID).
		Pluck(residents.OpenIDColumn("r"), &ids).Error; err != nil {
		return "", fmt.Errorf("resident openid: %w", err)
	}
	if len(ids) == 0 || ids[0] == nil {
		return "", nil
	}
	return *ids[0], nil
}

// ErrUnknownTrace is a verdict for a check this service is not waiting
// for (yet: WeChat may push before the trace ID is stored).
var ErrUnknownTrace = errors.New("requests: unknown trace_id")

// ApplyMediaVerdict records WeChat's pushed verdict for the photo check of
// traceID. A repeated push changes nothing. Returns ErrUnknownTrace for a
// trace no photo waits on.
func (s *Service) ApplyMediaVerdict(ctx context.Context, traceID, verdict string) error {
	if traceID == "" {
		return ErrUnknownTrace
	}
	var p Photo
	err := s.db.WithContext(ctx).Take(&p, "trace_id = ?", traceID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrUnknownTrace
	}
	if err != nil {
		return fmt.Errorf("media verdict: %w", err)
	}
	return s.db.WithContext(ctx).Model(&Photo{}).Where("id = ? AND check_status = ?", p.ID, CheckSent).
		Updates(map[string]any{"check_status": verdictState(verdict), "media_token": nil}).Error
}
