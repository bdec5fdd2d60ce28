package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
)

func (s *Server) publicRating(c *gin.Context) {
	r, err := s.Enterprises.Public(c.Request.Context(), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) requestBinding(c *gin.Context) {
	var req struct {
		USCC string `json:"uscc" binding:"required"`
		Role string `json:"role" binding:"required,oneof=legal_rep agent"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, created, err := s.Enterprises.RequestBinding(c.Request.Context(), residentID(c), req.USCC, req.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, b)
}

func (s *Server) myEnterprises(c *gin.Context) {
	es, err := s.Enterprises.Mine(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(es, ""))
}

func (s *Server) getEnterprise(c *gin.Context) {
	d, err := s.Enterprises.Detail(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) createObjection(c *gin.Context) {
	var req struct {
		FactorID string `json:"factor_id" binding:"required"`
		Reason   string `json:"reason" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	factor, err := parseID("factor_id", req.FactorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.Enterprises.Object(c.Request.Context(), residentID(c), c.Param("uscc"), factor, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, o)
}

// listMyObjections lists the caller's own objections: all of them
// (/me/objections) or those about one enterprise
// (/enterprises/{uscc}/objections).
func (s *Server) listMyObjections(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, next, err := s.Enterprises.MyObjections(c.Request.Context(), residentID(c), c.Param("uscc"), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(list, next))
}

// listEnterpriseObjections is GET /enterprises/{uscc}/objections: the
// caller's own objections about that enterprise.
func (s *Server) listEnterpriseObjections(c *gin.Context) { s.listMyObjections(c) }

func (s *Server) enterpriseBenefits(c *gin.Context) {
	ps, err := s.Enterprises.Benefits(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(ps, ""))
}

func (s *Server) createEnterprise(c *gin.Context) {
	var req struct {
		USCC     string `json:"uscc" binding:"required"`
		Name     string `json:"name" binding:"required"`
		Industry string `json:"industry"`
		Street   string `json:"street" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.Enterprises.Create(c.Request.Context(), actor(c), enterprises.NewEnterprise{
		USCC: req.USCC, Name: req.Name, Industry: req.Industry, Street: req.Street,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

// importEnterprises takes the CSV as the request body (text/csv) or as the
// "file" part of a multipart form.
func (s *Server) importEnterprises(c *gin.Context) {
	body, done, err := csvBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer done()
	res, err := s.Enterprises.Import(c.Request.Context(), actor(c), body)
	if err != nil {
		if isTooLarge(err) {
			err = errTooLarge
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// csvBody is an import's CSV: the request body (text/csv) or the "file"
// part of a multipart form.
func csvBody(c *gin.Context) (io.Reader, func(), error) {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt == "multipart/form-data" {
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, nil, apperr.Field("file", "缺少 CSV 文件")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, nil, apperr.Field("file", "无法读取 CSV 文件")
		}
		return f, func() { f.Close() }, nil
	}
	return c.Request.Body, func() {}, nil
}

func (s *Server) decideBinding(c *gin.Context) {
	var req struct {
		Approve *bool `json:"approve" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.Enterprises.DecideBinding(c.Request.Context(), actor(c), pathID(c, "id"), *req.Approve)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "binding "+strconv.FormatInt(b.ID, 10)+" "+b.Status)
	c.JSON(http.StatusOK, b)
}

func (s *Server) createCreditRecord(c *gin.Context) {
	var req struct {
		USCC       string `json:"uscc" binding:"required"`
		Kind       string `json:"kind" binding:"required"`
		Severity   string `json:"severity" binding:"required"`
		OccurredAt string `json:"occurred_at" binding:"required"`
		ExpiresAt  string `json:"expires_at"`
		CaseRef    string `json:"case_ref"`
		Note       string `json:"note"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	n := enterprises.NewCreditRecord{USCC: req.USCC, Kind: req.Kind, Severity: req.Severity, CaseRef: req.CaseRef, Note: req.Note}
	occurred, err := parseTime("occurred_at", req.OccurredAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	expires, err := parseTime("expires_at", req.ExpiresAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	n.OccurredAt = *occurred // required: bindJSON refused an empty one
	if expires != nil {
		n.ExpiresAt = *expires
	}
	r, created, err := s.Enterprises.Record(c.Request.Context(), actor(c), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, r)
}

func (s *Server) decideObjection(c *gin.Context) {
	var req struct {
		Approve *bool  `json:"approve" binding:"required"`
		Reason  string `json:"reason"` // required: the domain names it when blank
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.Enterprises.DecideObjection(c.Request.Context(), actor(c), pathID(c, "id"), *req.Approve, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

func (s *Server) createBenefitProgram(c *gin.Context) {
	var req struct {
		Name     string                `json:"name" binding:"required"`
		Criteria *enterprises.Criteria `json:"criteria" binding:"required"`
		Notice   string                `json:"notice"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Enterprises.CreateProgram(c.Request.Context(), actor(c), enterprises.NewProgram{
		Name: req.Name, Criteria: *req.Criteria, Notice: req.Notice,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, p)
}

// isTooLarge reports whether err is the body limit being hit.
func isTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	return errors.As(err, &maxErr)
}

// queueFilter reads ?status=&page_size=&page_token= for an officer's queue.
func queueFilter(c *gin.Context) (enterprises.QueueFilter, error) {
	limit, after, err := parseIDPage(c)
	return enterprises.QueueFilter{Status: c.Query("status"), After: after, Limit: limit}, err
}

func (s *Server) listBindings(c *gin.Context) {
	f, err := queueFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	bs, next, err := s.Enterprises.FindBindings(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "enterprise bindings "+f.Status)
	c.JSON(http.StatusOK, newIDPage(bs, next))
}

func (s *Server) listObjections(c *gin.Context) {
	f, err := queueFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Enterprises.FindObjections(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "credit objections "+f.Status)
	c.JSON(http.StatusOK, newIDPage(items, next))
}
