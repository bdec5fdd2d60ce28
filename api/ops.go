package api

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/futian/ifutian/internal/apperr"
)

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Log.WarnContext(ctx, "not ready", "err", err)
			c.Header("Retry-After", strconv.Itoa(retryAfterUnavailable()))
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, newErrorBody(apperr.Unavailable, "数据库不可用", nil, nil))
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// opsOnly guards /metrics and /docs with OpsToken when one is configured.
func (s *Server) opsOnly(c *gin.Context) {
	if s.OpsToken == "" {
		c.Next()
		return
	}
	token, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if q := c.Query("token"); token == "" && q != "" {
		token = q // lets a browser open /docs?token=…
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.OpsToken)) != 1 {
		s.fail(c, apperr.New(apperr.Unauthenticated, "需要运维令牌"))
		return
	}
	c.Next()
}

func (s *Server) serveMetrics(c *gin.Context) {
	promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}

func (s *Server) serveSpec(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.spec)
}

//go:embed docs.html
var docsHTML []byte

func (s *Server) serveDocs(c *gin.Context) {
	// The page is self-contained: its script and style are inline.
	c.Header("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsHTML)
}
