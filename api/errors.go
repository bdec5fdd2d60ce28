package api

import (
	"context"
	"errors"
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
	"payload_too_large":       http.StatusRequestEntityTooLarge,
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
			if ae.Code == apperr.RateLimited {
				if d, ok := ae.Details["retry_after_s"].(int); ok {
					c.Header("Retry-After", strconv.Itoa(d))
				}
			}
			c.AbortWithStatusJSON(status, newErrorBody(ae.Code, ae.Message, ae.Fields, ae.Details))
			return
		}
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
	c.AbortWithStatusJSON(http.StatusInternalServerError, newErrorBody("internal", "服务器内部错误，请稍后再试", nil, nil))
}

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
