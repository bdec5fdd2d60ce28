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

func (s *Server) listJobs(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := jobs.Filter{Status: c.Query("status"), Kind: c.Query("kind"), Before: before, Limit: limit}
	if err := f.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	items, next := []jobs.Job{}, int64(0)
	if actor(c).Scope().District() {
		if items, next, err = s.Jobs.List(c.Request.Context(), f); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
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
