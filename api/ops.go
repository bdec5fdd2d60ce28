package api

import (
	"context"
	"crypto/subtle"
	"embed"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/futian/ifutian/internal/apperr"
)

// liveness and readiness are the answers of /healthz and /readyz.
type liveness struct {
	Status string `json:"status" binding:"oneof=ok"`
}

type readiness struct {
	Status string `json:"status" binding:"oneof=ready"`
}

var healthzOp = op{
	Tag: "ops", Summary: "Process is up", Description: "200 while the process runs; it reads nothing.",
	Replies: []reply{ok(liveness{})},
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, liveness{Status: "ok"}) }

var readyzOp = op{
	Tag: "ops", Summary: "Database is reachable (503 if not)",
	Description: "200 when the database answers within 2 s, else 503 upstream_unavailable.",
	Replies:     []reply{ok(readiness{})},
}

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
	c.JSON(http.StatusOK, readiness{Status: "ready"})
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

// opsTokenNote says how the ops token guards an operation.
const opsTokenNote = "With IFUTIAN_OPS_TOKEN set it needs that token (Authorization: Bearer or ?token=); "

var serveMetricsOp = op{
	Tag: "ops", Summary: "Prometheus metrics (behind IFUTIAN_OPS_TOKEN when set)",
	Description: "Prometheus text format: requests by method, route and status, latencies, and the Go runtime. " + opsTokenNote +
		"IFUTIAN_METRICS=off removes it (404).",
	Replies: []reply{file(http.StatusOK, "Prometheus text exposition format", "text/plain")},
	Errors:  []int{http.StatusUnauthorized, http.StatusNotFound},
}

func (s *Server) serveMetrics(c *gin.Context) {
	promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}

var serveSpecOp = op{
	Tag: "ops", Summary: "This document",
	Description: "The OpenAPI 3.0 document of every operation the server serves, generated from the handlers' Go types and " +
		"the op beside each (api/contract.go) with api/openapi/base.json. " + opsTokenNote + "IFUTIAN_DOCS=off removes it (404).",
	Replies: []reply{ok(map[string]any{})},
	Errors:  []int{http.StatusUnauthorized, http.StatusNotFound},
}

func (s *Server) serveSpec(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.spec)
}

// The API explorer: Swagger UI's bundle (docs/dist, refreshed by
// docs/refresh.sh from docs/package-lock.json) and the page around it.
//
//go:embed docs/index.html docs/ifutian.js docs/ifutian.css docs/dist/swagger-ui-bundle.js docs/dist/swagger-ui.css
var docsFiles embed.FS

// docsAsset names a file of docsAssets (the path parameter of /docs/{file}).
type docsAsset string

// Enum lists the files /docs/{file} serves.
func (docsAsset) Enum() []string {
	names := make([]string, 0, len(docsAssets))
	for name := range docsAssets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

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

var serveDocsOp = op{
	Tag: "ops", Summary: "The API explorer",
	Description: "Swagger UI over this document: every operation with its schemas resolved, a search over paths, summaries " +
		"and operation IDs, and “Try it out” with a bearer token (Authorize). With IFUTIAN_OPS_TOKEN set, open " +
		"/docs?token=<ops token>. Served with a Content-Security-Policy that allows only this server.",
	Replies: []reply{file(http.StatusOK, "The API explorer (HTML)", "text/html")},
	Errors:  []int{http.StatusUnauthorized, http.StatusNotFound},
}

func (s *Server) serveDocs(c *gin.Context) {
	page, err := docsFiles.ReadFile("docs/index.html")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", docsCSP)
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
}

var serveDocsAssetOp = op{
	Tag: "ops", Summary: "A script or style of the API explorer",
	Description: "Swagger UI's bundle and stylesheet and the page's own script and style, embedded in the binary. Public " +
		"library code: not behind IFUTIAN_OPS_TOKEN; off with IFUTIAN_DOCS=off.",
	Path: struct {
		File docsAsset `uri:"file"`
	}{},
	Replies: []reply{file(http.StatusOK, "The file", "text/javascript", "text/css")},
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
