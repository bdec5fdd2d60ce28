// Package api is the HTTP face of the service: the Gin router, middleware,
// handlers, the error contract and the OpenAPI document. It knows nothing of
// SQL; every decision about data is made by the domain packages.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/wechat"
)

// wechatClient is what the API needs from WeChat.
type wechatClient interface {
	Login(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, code string) (string, error)
	Templates(ctx context.Context) ([]wechat.Template, error)
	HasTemplate(ctx context.Context, id string) (bool, error)
}

// limiter limits how often a key may act.
type limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) (bool, time.Duration, error)
	Peek(ctx context.Context, key string, l ratelimit.Limit) (bool, time.Duration, error)
	Reset(ctx context.Context, key string) error
}

// Limits are the abuse limits the API enforces.
type Limits struct {
	// Failed staff sign-ins (see login_throttle.go): per username and
	// client IP, per username from everywhere, per client IP.
	StaffLoginPerPair ratelimit.Limit
	StaffLoginPerUser ratelimit.Limit
	StaffLoginPerIP   ratelimit.Limit
	ResidentWrites    ratelimit.Limit // writes per resident token
	// ResidentLookup and ResidentLookupDaily bound the residents one staff
	// member may look up by phone number (POST /admin/residents/lookup).
	ResidentLookup      ratelimit.Limit
	ResidentLookupDaily ratelimit.Limit
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{
	// Failed sign-ins: 5 per username and address, then one every 3
	// minutes (at most 25 in an hour from one address); 100 an hour per
	// username from everywhere (so a lockout takes failures from at least
	// 4 addresses in that hour); 100 per address in 15 minutes over every
	// username (a street office behind one NAT).
	StaffLoginPerPair: ratelimit.Limit{Count: 5, Period: 15 * time.Minute},
	StaffLoginPerUser: ratelimit.Limit{Count: 100, Period: time.Hour},
	StaffLoginPerIP:   ratelimit.Limit{Count: 100, Period: 15 * time.Minute},
	ResidentWrites:    ratelimit.Limit{Count: 120, Period: time.Minute},
	// A counter serving a queue of residents: 30 at once, then one every
	// 20 s, and 300 a day at most.
	ResidentLookup:      ratelimit.Limit{Count: 30, Period: 10 * time.Minute},
	ResidentLookupDaily: ratelimit.Limit{Count: 300, Period: 24 * time.Hour},
}

// Config is everything the API is built from. main fills it.
type Config struct {
	*app.Services
	Log     *slog.Logger
	WeChat  wechatClient
	Limiter limiter
	Limits  Limits

	// Metrics, when set, is served on /metrics and collects request metrics.
	Metrics *prometheus.Registry
	// OpsToken, when set, is required as a bearer token on /metrics and /docs.
	OpsToken string
	// DisableDocs turns /docs and /openapi.json off.
	DisableDocs bool
	// VerifyTemplates refuses a notice whose subscribe template is not among
	// the account's (WeChat's template list); when WeChat can't answer, the
	// template is taken as given.
	VerifyTemplates bool
	// PushToken verifies WeChat's message pushes (content-check verdicts);
	// empty refuses every push.
	PushToken string
	// Ready reports whether the database answers, for /readyz.
	Ready func(ctx context.Context) error
	// TrustedProxies are the addresses (IPs or CIDRs) of the reverse
	// proxies whose X-Forwarded-For names the client. None by default: the
	// client is the connection's peer.
	TrustedProxies []string
}

// Server serves the API. It is an http.Handler.
type Server struct {
	Config
	engine   *gin.Engine
	policy   map[string]staff.Permission // "METHOD /path" → permission, for every admin route
	metrics  *httpMetrics
	spec     []byte
	timeKeys map[string]bool // the document's date-time properties (formatTimes)
	docs     []documented    // every route with its document, as routes registered them
}

// New builds the router with every route and middleware.
func New(cfg Config) (*Server, error) {
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	s := &Server{Config: cfg, policy: map[string]staff.Permission{}}
	if cfg.Metrics != nil {
		s.metrics = newHTTPMetrics(cfg.Metrics)
	}
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	s.routes()
	spec, err := s.buildSpec()
	if err != nil {
		return nil, err
	}
	s.spec = spec
	if s.timeKeys, err = timeKeys(spec); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Routes lists every registered route as "METHOD /path".
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

// Permission returns the permission an admin route requires.
func (s *Server) Permission(method, path string) (staff.Permission, bool) {
	p, ok := s.policy[method+" "+path]
	return p, ok
}
