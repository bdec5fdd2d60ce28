package enterprises

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
)

// A benefit program's notice to a matched enterprise's members is a job
// (JobBenefitNotice), queued in the transaction that records the match:
// the program's creation, the enterprise's (re-)rating, the hourly sweep.
// The job is unique per program and enterprise, and its handler sends the
// notice and marks the match notified in one transaction, so a job run
// twice, or an outage of notify, still notifies once. A program ended
// before its notice went out drops it: the match stays, never notified.

// JobBenefitNotice is the kind of the jobs telling a matched enterprise's
// members of a benefit program.
const JobBenefitNotice = "enterprises.benefit_notice"

// benefitJob is the payload of a JobBenefitNotice.
type benefitJob struct {
	ProgramID    int64 `json:"program_id,string"`
	EnterpriseID int64 `json:"enterprise_id,string"`
}

// benefitKey is the key of the notice job of a program and an enterprise.
func benefitKey(programID, enterpriseID int64) string {
	return strconv.FormatInt(programID, 10) + ":" + strconv.FormatInt(enterpriseID, 10)
}

// runner runs a job now, once its transaction has committed.
type runner interface {
	RunKey(ctx context.Context, kind, key string) error
}

// queue is where enterprises registers its job handlers.
type queue interface {
	runner
	Register(kind string, h jobs.Handler)
}

// RegisterJobs registers the handlers of the kinds enterprises owns with q
// and has enterprises run its jobs there at once after they commit.
func (s *Service) RegisterJobs(q queue) {
	q.Register(JobBenefitNotice, s.runBenefitNotice)
	s.jobs = q
}

// inlineNotices bounds the notice jobs a change runs itself after its
// commit (a program matching thousands of enterprises): the queue's
// workers send the rest within seconds.
const inlineNotices = 100

// noticesNow runs at once the notice jobs of up to inlineNotices matches
// selected by where (on benefit_matches) not yet notified, of running
// programs. A failure stays with its job, which the queue retries.
func (s *Service) noticesNow(ctx context.Context, where string, args ...any) {
	if s.jobs == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	var ms []benefitMatch
	err := s.db.WithContext(ctx).Where("notified_at IS NULL").Where(where, args...).
		Where("program_id IN (SELECT id FROM benefit_programs WHERE ended_at IS NULL)").
		Order("id").Limit(inlineNotices).Find(&ms).Error
	if err != nil {
		return // the queue's workers run them
	}
	for _, m := range ms {
		_ = s.jobs.RunKey(ctx, JobBenefitNotice, benefitKey(m.ProgramID, m.EnterpriseID))
	}
}

// runBenefitNotice sends a match's notice to the enterprise's members
// bound now, and marks the match notified, in one transaction. A match
// already notified, or of a program ended since, is left as it is.
func (s *Service) runBenefitNotice(ctx context.Context, payload []byte) error {
	var j benefitJob
	if err := json.Unmarshal(payload, &j); err != nil || j.ProgramID == 0 || j.EnterpriseID == 0 {
		return jobs.Permanent(fmt.Errorf("bad benefit notice payload %q", payload))
	}
	if s.notifier == nil {
		return errors.New("benefit notice: no notifier")
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		// The program's row lock orders the notice with EndProgram: a
		// program ended first sends nothing more.
		var p BenefitProgram
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&p, "id = ?", j.ProgramID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return jobs.Permanent(fmt.Errorf("benefit program %d: %w", j.ProgramID, err))
		} else if err != nil {
			return fmt.Errorf("load program: %w", err)
		}
		if p.EndedAt != nil {
			return nil
		}
		var m benefitMatch
		err = tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Take(&m, "program_id = ? AND enterprise_id = ?", j.ProgramID, j.EnterpriseID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return jobs.Permanent(fmt.Errorf("benefit match %s: %w", benefitKey(j.ProgramID, j.EnterpriseID), err))
		} else if err != nil {
			return fmt.Errorf("load match: %w", err)
		}
		if m.NotifiedAt != nil {
			return nil
		}
		var e Enterprise
		if err := tx.Take(&e, "id = ?", j.EnterpriseID).Error; err != nil {
			return fmt.Errorf("load enterprise: %w", err)
		}
		var members []int64
		err = tx.Model(&Binding{}).Where("enterprise_id = ? AND status = ?", e.ID, BindingApproved).
			Order("resident_id").Pluck("resident_id", &members).Error
		if err != nil {
			return fmt.Errorf("enterprise members: %w", err)
		}
		d := benefitNotice(&p, &e)
		d.ResidentIDs = members
		d.Source = fmt.Sprintf("benefit:%d:ent:%d", j.ProgramID, j.EnterpriseID)
		if err := s.notifier.SendDirectTx(tx, d); err != nil {
			return fmt.Errorf("send benefit notice: %w", err)
		}
		return tx.Model(&benefitMatch{}).Where("id = ? AND notified_at IS NULL", m.ID).
			Update("notified_at", s.now().UTC()).Error
	})
}
