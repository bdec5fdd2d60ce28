package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/staff"
)

// The job queue, for operators: what failed or is stuck, with its error,
// and retrying or cancelling one. The queue is the district's: a member
// whose scope is not district-wide (a department's auditor) lists nothing.

type listJobsQuery struct {
	pageQuery
	Status jobs.FilterStatus `form:"status" doc:"stuck: running past its lease, or queued more than 5 minutes past its time"`
	Kind   string            `form:"kind" binding:"max=64" doc:"e.g. surveys.award, requests.settle, activities.grant"`
}

var listJobsOp = op{
	Tag:     "ops",
	Summary: "The job queue (superadmin, district auditor)",
	Description: "The durable job queue: work a change left for after its commit (a survey's points, a request's notices and points, " +
		"an activity credit's points), newest first. status=failed lists jobs out of attempts or refused for good, with last_error; " +
		"status=stuck lists jobs running past their lease (their process died and no worker took them back yet) or queued more than " +
		"5 minutes past their time (no worker runs their kind). jobs.read: a superadmin and a district auditor (no department) see " +
		"every job; a department's auditor lists none (the queue is the district's). Payloads hold IDs only.",
	Query:   listJobsQuery{},
	Replies: []reply{ok(page[jobs.Job]{})},
}

func (s *Server) listJobs(c *gin.Context) {
	var q listJobsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next := []jobs.Job{}, int64(0)
	if actor(c).Scope().District() {
		f := jobs.Filter{Status: q.Status, Kind: q.Kind, Before: before, Limit: limit}
		if items, next, err = s.Jobs.List(c.Request.Context(), f); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

var retryJobOp = op{
	Tag:     "ops",
	Summary: "Retry a job",
	Description: "Superadmin (jobs.manage). Queues a failed or cancelled job (or a queued one waiting for its backoff) to run at once " +
		"with a fresh set of attempts. 409 for a job running now (or whose lease has not run out yet) or done; 404 for an unknown " +
		"one. Audited (target jobs/{id}).",
	Replies: []reply{ok(jobs.Job{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) retryJob(c *gin.Context) {
	ctx := c.Request.Context()
	j, err := s.Jobs.Get(ctx, pathID(c, "id"))
	if err == nil {
		// Named before the change: its transaction writes the entry.
		staff.AuditDetail(ctx, "job "+strconv.FormatInt(j.ID, 10)+" "+j.Kind+" retried")
		j, err = s.Jobs.Retry(ctx, j.ID)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}

var cancelJobOp = op{
	Tag:     "ops",
	Summary: "Cancel a job",
	Description: "Superadmin (jobs.manage). Stops a queued or failed job from running again (a failed job cancelled leaves the list " +
		"of failures); its effect is then not made: the owning module's status stays as the job left it (e.g. a survey's points " +
		"pending). 409 for a job running now, done or already cancelled; 404 for an unknown one. Audited (target jobs/{id}).",
	Replies: []reply{ok(jobs.Job{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) cancelJob(c *gin.Context) {
	ctx := c.Request.Context()
	j, err := s.Jobs.Get(ctx, pathID(c, "id"))
	if err == nil {
		// Named before the change: its transaction writes the entry.
		staff.AuditDetail(ctx, "job "+strconv.FormatInt(j.ID, 10)+" "+j.Kind+" cancelled")
		j, err = s.Jobs.Cancel(ctx, j.ID)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}
