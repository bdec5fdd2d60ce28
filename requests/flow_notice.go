package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
)

// JobFlowNotice is the kind of the jobs telling a resident of a step of
// the work order they should know of: an approved extension (the new
// deadline) and a 重办 after the call-back. The step enqueues it in its
// transaction; the notice is a fixed system text (notify), sent once per
// step (its Source).
const JobFlowNotice = "requests.flow_notice"

// What a flow notice tells.
const (
	flowExtended = "extended" // N: the extension's ID
	flowRedone   = "redone"   // N: the request's count of 重办
)

type flowNoticeJob struct {
	ID   int64  `json:"id,string"`
	What string `json:"what"`
	N    int64  `json:"n,string"`
}

func enqueueFlowNotice(tx *gorm.DB, id int64, what string, n int64) error {
	key := strconv.FormatInt(id, 10) + ":" + what + ":" + strconv.FormatInt(n, 10)
	return jobs.Enqueue(tx, JobFlowNotice, key, flowNoticeJob{ID: id, What: what, N: n})
}

// runFlowNotice sends the resident the fixed text of a step: the request's
// number and its deadline, nothing staff wrote (the extension's reason, the
// call-back's note), which the resident does not read.
func (s *Service) runFlowNotice(ctx context.Context, payload []byte) error {
	var j flowNoticeJob
	if err := json.Unmarshal(payload, &j); err != nil || (j.What != flowExtended && j.What != flowRedone) {
		return jobs.Permanent(fmt.Errorf("bad flow notice payload %q", payload))
	}
	r, err := load(s.db.WithContext(ctx), j.ID)
	if errors.Is(err, ErrNotFound) {
		return nil // erased: nobody to tell
	} else if err != nil {
		return err
	}
	no, deadline := strconv.FormatInt(r.ID, 10), district.Date(r.DeadlineAt.Add(-1))
	d := notify.DirectNotice{Category: "policy", ResidentIDs: []int64{r.ResidentID}, DepartmentID: r.DepartmentID,
		Data:   map[string]string{"request_no": no, "deadline": deadline},
		Target: &notify.Target{Type: notify.TargetRequest, ID: no},
		Source: "request:" + no + ":" + j.What + ":" + strconv.FormatInt(j.N, 10)}
	made := district.Date(r.CreatedAt)
	switch j.What {
	case flowExtended:
		d.Kind, d.Title = notify.KindRequestExtended, "您的诉求办理期限已延长"
		d.Body = fmt.Sprintf("您于 %s 提交的诉求（编号 %s）经审批延长办理期限，现承诺于 %s 前办结。可在「民意速办」中查看办理进度。", made, no, deadline)
	case flowRedone:
		d.Kind, d.Title = notify.KindRequestRedone, "您的诉求将重新办理"
		d.Body = fmt.Sprintf("根据对您的回访，您于 %s 提交的诉求（编号 %s）将由承办单位重新办理，承诺于 %s 前办结。可在「民意速办」中查看办理进度。", made, no, deadline)
	}
	if err := s.notify.SendDirect(ctx, d); err != nil {
		return fmt.Errorf("request %d %s notice: %w", r.ID, j.What, err)
	}
	return nil
}
