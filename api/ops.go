package api

import (
	"context"
	"crypto/subtle"
	"embed"
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

// The API explorer: Swagger UI's bundle (docs/dist, refreshed by
// docs/refresh.sh from docs/package-lock.json) and the page around it.
//
//go:embed docs/index.html docs/ifutian.js docs/ifutian.css docs/dist/swagger-ui-bundle.js docs/dist/swagger-ui.css
var docsFiles embed.FS

// docsAssets are the files /docs/{file} serves, with their content types.
var docsAssets = map[string]struct{ path, contentType string }{
	"swagger-ui-bundle.js": {"docs/dist/swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
	"swagger-ui.css":       {"docs/dist/swagger-ui.css", "text/css; charset=utf-8"},
	"ifutian.js":           {"docs/ifutian.js", "text/javascript; charset=utf-8"},
	"ifutian.css":          {"docs/ifutian.css", "text/css; charset=utf-8"},
}

// docsCSP lets the explorer load only what this server serves. Images may
// be data: URIs (Swagger UI's icons are inline SVG in its stylesheet);
// requests tried from the page go to this server only.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) serveDocs(c *gin.Context) {
	page, err := docsFiles.ReadFile("docs/index.html")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", docsCSP)
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
}

// serveDocsAsset serves the explorer's scripts and styles. They are public
// library code, so they are not behind the ops token (the page and the
// document are).
func (s *Server) serveDocsAsset(c *gin.Context) {
	a, ok := docsAssets[c.Param("file")]
	if !ok {
		notFound(c)
		return
	}
	b, err := docsFiles.ReadFile(a.path)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", docsCSP)
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, a.contentType, b)
}
