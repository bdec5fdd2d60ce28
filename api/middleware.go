package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/futian/ifutian/internal/apperr"
)

const requestIDKey = "request_id"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID takes a sane X-Request-ID from the client or makes one, and
// echoes it in the response.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDRE.MatchString(id) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// logRequests writes one line per request. It logs the route pattern, never
// the query string or body, which may hold personal data.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	if !s.Log.Enabled(c.Request.Context(), level) {
		return // the line's attributes are not even built
	}
	s.Log.Log(c.Request.Context(), level, "request",
		"request_id", requestID(c), "method", c.Request.Method, "route", routeOf(c),
		"status", status, "duration_ms", time.Since(start).Milliseconds())
}

func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recoverPanics turns a panic into the contract's 500, logging the stack.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(c, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
		}
	}()
	c.Next()
}

// limitBody caps request bodies at 1 MiB, photo, avatar and picture
// uploads at maxUploadBody.
func limitBody(c *gin.Context) {
	limit := int64(maxBody)
	if p := c.Request.URL.Path; p == photoUploadPath || p == avatarUploadPath || pictureUploadRoutes[c.FullPath()] {
		limit = maxUploadBody
	}
	if c.Request.ContentLength > limit {
		c.Header("Connection", "close")
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, newErrorBody(errTooLarge.Code, errTooLarge.Message, nil, nil))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// secureHeaders sets headers every API answer carries.
func secureHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Strict-Transport-Security", "max-age=31536000")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

// httpMetrics are the request metrics by route.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ifutian_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ifutian_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (s *Server) measure(c *gin.Context) {
	if s.metrics == nil {
		c.Next()
		return
	}
	start := time.Now()
	c.Next()
	route := routeOf(c)
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	s.metrics.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// notFound and methodNotAllowed answer unmatched requests in the contract's shape.
func notFound(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusNotFound, newErrorBody(apperr.NotFound, "接口不存在", nil, nil))
}

func methodNotAllowed(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, newErrorBody(apperr.MethodNotAllowed, "不支持的请求方法", nil, nil))
}
