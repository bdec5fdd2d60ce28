package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// What a transition leaves to do once it has committed: the resident's
// acceptance and answer notices, the points of a verified answer and its
// complaint record. The transition enqueues a settle job in its own
// transaction (JobSettle, once per version of the request) and runs it at
// once after the commit; the queue retries it, with backoff, whatever an
// outage left undone. Each step is idempotent and recorded on the request
// when done (the columns the statistics and the desk read), so a job run
// twice, or two jobs of one request, do each step once.

// JobSettle is the kind of the jobs settling a request.
const JobSettle = "requests.settle"

type settleJob struct {
	ID int64 `json:"id,string"`
}

// RegisterJobs registers the handlers of the kinds requests owns with q
// and has requests run its jobs there at once after they commit.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobSettle, s.runSettle)
	q.Register(JobDeleteObject, s.runDelete)
	q.Register(JobMergeNotice, s.runMergeNotice)
	q.Register(JobFollow, s.runFollow)
	q.Register(JobReferralNotice, s.runReferralNotice)
	q.Register(JobFlowNotice, s.runFlowNotice)
	s.jobs = q
}

// unsettled reports whether r has something left to do after its commit.
func unsettled(r *Request) bool {
	return r.ErasedAt == nil && ((r.AcceptedAt != nil && r.AcceptNoticedAt == nil) ||
		(r.Status == StatusAnswered && r.AnswerNoticedAt == nil) ||
		(r.PointsOutcome == outcomePending && r.PointsRule != "") ||
		(r.ComplaintUSCC != "" && r.CreditRecordID == nil && r.AnsweredBy != nil))
}

func settleKey(r *Request) string {
	return strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(r.Version, 10)
}

// enqueueSettle queues the settling of r (as the transition in tx left it)
// if it has anything to settle.
func enqueueSettle(tx *gorm.DB, r *Request) error {
	if err := enqueueFollow(tx, r); err != nil { // merge.go
		return err
	}
	if !unsettled(r) {
		return nil
	}
	return jobs.Enqueue(tx, JobSettle, settleKey(r), settleJob{ID: r.ID})
}

// settleNow runs r's settle job at once, if it has one; an error stays
// with the job, which the queue retries.
func (s *Service) settleNow(ctx context.Context, r *Request) {
	if s.jobs != nil && unsettled(r) {
		_ = s.jobs.RunKey(context.WithoutCancel(ctx), JobSettle, settleKey(r))
	}
	if s.jobs != nil && r.Status == StatusAnswered {
		// The requests merged into r follow its answer (merge.go); nothing
		// runs when none was queued.
		_ = s.jobs.RunKey(context.WithoutCancel(ctx), JobFollow, settleKey(r))
	}
}

// runSettle does what request id still has to do after its transitions.
func (s *Service) runSettle(ctx context.Context, payload []byte) error {
	var j settleJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad settle payload %q", payload))
	}
	r, err := load(s.db.WithContext(ctx), j.ID)
	if errors.Is(err, ErrNotFound) {
		return jobs.Permanent(err)
	} else if err != nil {
		return err
	}
	if r.ErasedAt != nil {
		return nil // the resident is gone: nothing to tell or grant
	}
	var errs []error
	if r.AcceptedAt != nil && r.AcceptNoticedAt == nil {
		errs = append(errs, s.notice(ctx, r, notify.KindRequestAccepted, "accept_noticed_at"))
	}
	if r.Status == StatusAnswered && r.AnswerNoticedAt == nil {
		errs = append(errs, s.notice(ctx, r, notify.KindRequestAnswered, "answer_noticed_at"))
	}
	if r.PointsOutcome == outcomePending && r.PointsRule != "" {
		errs = append(errs, s.grant(ctx, r))
	}
	if r.ComplaintUSCC != "" && r.CreditRecordID == nil && r.AnsweredBy != nil {
		errs = append(errs, s.complain(ctx, r))
	}
	return errors.Join(errs...)
}

// notice sends the resident a fixed system text: the request's number and
// dates; never the officer's words, nor the category's or department's
// names (staff write those too), which the resident reads in the request
// itself, linked from the notice.
func (s *Service) notice(ctx context.Context, r *Request, kind notify.SystemKind, column string) error {
	made, no := district.Date(r.CreatedAt), strconv.FormatInt(r.ID, 10)
	d := notify.DirectNotice{Kind: kind, Category: "policy", ResidentIDs: []int64{r.ResidentID}, DepartmentID: r.DepartmentID,
		Data: map[string]string{"request_no": no}, Target: &notify.Target{Type: notify.TargetRequest, ID: no}}
	switch kind {
	case notify.KindRequestAccepted:
		deadline := district.Date(r.DeadlineAt.Add(-1))
		d.Title = "您的诉求已受理"
		d.Body = fmt.Sprintf("您于 %s 提交的诉求（编号 %s）已受理，承诺%s。可在「民意速办」中查看办理进度。",
			made, no, DeadlineText(r.DeadlineAt, s.clock()))
		d.Data["deadline"] = deadline
		d.Source = "request:" + no + ":accepted"
	default:
		d.Title = "您的诉求已答复"
		d.Body = fmt.Sprintf("您于 %s 提交的诉求（编号 %s）已答复。请在「民意速办」中查看答复，并在 7 天内评价。",
			made, no)
		// A reopened request is answered again: a notice per answer.
		d.Source = "request:" + no + ":answered:" + strconv.Itoa(r.Reopened)
	}
	if err := s.notify.SendDirect(ctx, d); err != nil {
		return fmt.Errorf("request %d notice: %w", r.ID, err)
	}
	return s.db.WithContext(ctx).Model(&Request{}).Where("id = ?", r.ID).Update(column, s.clock()).Error
}

// grant grants the points of a verified answer on behalf of the request's
// department, once per request (the external id is the request's).
func (s *Service) grant(ctx context.Context, r *Request) error {
	_, _, err := s.points.Grant(ctx, staff.DepartmentScope(r.DepartmentID), points.AwardRequest{
		ResidentID: r.ResidentID, RuleCode: r.PointsRule, ExternalID: "request:" + strconv.FormatInt(r.ID, 10),
		Note: "民意速办诉求核实属实",
	})
	outcome := outcomeGranted
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code == apperr.Unavailable {
			return fmt.Errorf("request %d points: %w", r.ID, err)
		}
		// Refused for good (a cap, a rule since ended, an erased resident).
		outcome = "refused"
		if reason, ok := ae.Details["reason"].(string); ok {
			outcome += ":" + reason
		}
	}
	return s.db.WithContext(ctx).Model(&Request{}).Where("id = ? AND points_outcome = ?", r.ID, outcomePending).
		Update("points_outcome", outcome).Error
}

// complain records a verified request about an enterprise as a complaint
// credit record, in the name of the officer who answered it (their scope
// applies), once per request (case_ref request:<id>).
func (s *Service) complain(ctx context.Context, r *Request) error {
	officer, err := s.staff.FindByID(ctx, *r.AnsweredBy)
	if err != nil {
		return fmt.Errorf("request %d complaint: %w", r.ID, err)
	}
	rec, err := s.recordComplaint(ctx, officer, enterprises.NewCreditRecord{
		USCC: r.ComplaintUSCC, Kind: "complaint", Severity: "minor", OccurredAt: r.CreatedAt,
		CaseRef: "request:" + strconv.FormatInt(r.ID, 10), Note: "民意速办诉求核实属实",
	})
	if err != nil {
		return fmt.Errorf("request %d complaint: %w", r.ID, err)
	}
	return s.db.WithContext(ctx).Model(&Request{}).Where("id = ? AND credit_record_id IS NULL", r.ID).
		Update("credit_record_id", rec).Error
}
