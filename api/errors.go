package api

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// statusOf is the whole error contract: a code decides the HTTP status.
var statusOf = map[string]int{
	apperr.Invalid:            http.StatusBadRequest,
	apperr.Unauthenticated:    http.StatusUnauthorized,
	apperr.PermissionDenied:   http.StatusForbidden,
	apperr.NotFound:           http.StatusNotFound,
	apperr.Conflict:           http.StatusConflict,
	apperr.InsufficientPoints: http.StatusConflict,
	apperr.OutOfStock:         http.StatusConflict,
	apperr.PayloadTooLarge:    http.StatusRequestEntityTooLarge,
	apperr.RateLimited:        http.StatusTooManyRequests,
	apperr.Unavailable:        http.StatusServiceUnavailable,
}

type errorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func newErrorBody(code, message string, fields map[string]string, extra map[string]any) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	b.Error.Details = map[string]any{}
	for k, v := range extra {
		b.Error.Details[k] = v
	}
	if len(fields) > 0 {
		b.Error.Details["fields"] = fields
	}
	return b
}

// fail answers with the contract's error shape. Errors without a contract
// code are internal: they are logged with the request ID and the client
// sees only a generic message, never their text.
func (s *Server) fail(c *gin.Context, err error) {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		status, ok := statusOf[ae.Code]
		if ok {
			switch ae.Code {
			case apperr.RateLimited:
				if d, ok := ae.Details["retry_after_s"].(int); ok {
					c.Header("Retry-After", strconv.Itoa(d))
				}
			case apperr.Unavailable:
				c.Header("Retry-After", strconv.Itoa(retryAfterUnavailable()))
			}
			msg := ae.Message
			if len(ae.Fields) > 0 && (ae.Code == apperr.Invalid || keyedMessage(ae)) {
				// One Chinese sentence per bad field, without the JSON
				// keys the domain's message starts with.
				msg = fieldsMessage(c.Request.Method+" "+c.FullPath(), ae.Fields)
			}
			c.AbortWithStatusJSON(status, newErrorBody(ae.Code, msg, ae.Fields, ae.Details))
			return
		}
	}
	if db.IsUnavailable(err) {
		// The client retries after Retry-After; operators see it in the log
		// (and /readyz), without a 500 per request.
		s.Log.WarnContext(c.Request.Context(), "database unavailable",
			"request_id", requestID(c), "route", c.FullPath(), "err", err)
		s.fail(c, errDatabaseUnavailable)
		return
	}
	if column, ok := db.InvalidText(err); ok {
		s.fail(c, apperr.Field(or(column, "body"), invalidUTF8Message))
		return
	}
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		c.Abort()
		return
	}
	s.Log.ErrorContext(c.Request.Context(), "request failed",
		"request_id", requestID(c), "route", c.FullPath(), "err", err)
	c.AbortWithStatusJSON(http.StatusInternalServerError, newErrorBody(apperr.Internal, "服务器内部错误，请稍后再试", nil, nil))
}

// errDatabaseUnavailable answers a request the database could not serve
// (db.IsUnavailable): 503, to be retried.
var errDatabaseUnavailable = apperr.New(apperr.Unavailable, "服务暂时繁忙，请稍后再试")

// retryAfterUnavailable is the Retry-After of a 503: 1–5 seconds, spread so
// that the clients of an outage do not all come back in the same second.
func retryAfterUnavailable() int { return 1 + rand.IntN(5) }

// rateLimited is the error for a limit hit, with its Retry-After.
func rateLimited(retryAfterSeconds int) error {
	if retryAfterSeconds < 1 {
		retryAfterSeconds = 1
	}
	return apperr.New(apperr.RateLimited, "请求过于频繁，请稍后再试").With("retry_after_s", retryAfterSeconds)
}

// notImplemented answers routes whose module is not built yet.
func (s *Server) notImplemented(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusNotImplemented, newErrorBody("not_implemented", "功能建设中", nil, nil))
}

// keyedMessage reports whether e's message is only its fields written with
// their JSON keys ("audience.streets: 超出您的管辖范围"), as apperr.Field and
// apperr.Fields build it, rather than a sentence of its own.
func keyedMessage(e *apperr.Error) bool {
	var built *apperr.Error
	return errors.As(apperr.Fields(e.Fields), &built) && built.Message == e.Message
}
