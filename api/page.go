package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
)

// page is the contract's list response.
type page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token"`
	// Total is set by the lists that count (the console's lists): the
	// items the same filters and scope match over all pages.
	Total *int64 `json:"total,omitempty" doc:"how many items the filters match over all pages (lists that count them); at most 10000, total_capped then"`
	// TotalCapped says that more than Total match.
	TotalCapped bool `json:"total_capped,omitempty" doc:"true when more than total (10000) match"`
}

// counted sets the page's total (see db.CountUpTo).
func (p page[T]) counted(n int64, capped bool) page[T] {
	p.Total, p.TotalCapped = &n, capped
	return p
}

// respondCounted answers a list's page with its total: count counts what
// the page's filters and scope select over all pages (a module's CountX,
// db.CountUpTo), the same query the page was read with.
func respondCounted[T any](c *gin.Context, s *Server, p page[T], count func() (n int64, capped bool, err error)) {
	n, capped, err := count()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p.counted(n, capped))
}

// newPage builds a list response; next is the cursor of the next page, or
// "" on the last one.
func newPage[T any](items []T, next string) page[T] {
	if items == nil {
		items = []T{}
	}
	return page[T]{Items: items, NextPageToken: encodeToken(next)}
}

// newIDPage builds a list response whose cursor is the last item's ID
// (0 on the last page).
func newIDPage[T any](items []T, nextID int64) page[T] {
	next := ""
	if nextID > 0 {
		next = strconv.FormatInt(nextID, 10)
	}
	return newPage(items, next)
}

// pageReq is a parsed ?page_size=&page_token=.
type pageReq struct {
	Limit  int    // 1–maxPageSize, default 20
	Cursor string // decoded page token, "" for the first page
}

// AfterID returns the cursor as an ID (0 for the first page).
func (p pageReq) AfterID() (int64, error) {
	if p.Cursor == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(p.Cursor, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field("page_token", "无效的分页标记")
	}
	return id, nil
}

// maxPageSize is the largest page_size a list takes, defaultPageSize the
// size of a page when none is asked for.
const (
	maxPageSize     = 100
	defaultPageSize = 20
)

// parsePage reads the pagination parameters: page_size defaults to 20 and
// must lie in 1–100 (anything else is invalid_argument naming page_size,
// as the OpenAPI document says); page_token is opaque to clients.
func parsePage(c *gin.Context) (pageReq, error) {
	p := pageReq{Limit: defaultPageSize}
	// An empty page_size is refused like any other value outside 1–100,
	// as the document says (it is no way to ask for the default).
	if v, ok := c.GetQuery("page_size"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return p, apperr.Field("page_size", "须为 1 到 100 之间的整数")
		}
		p.Limit = n
	}
	if v := c.Query("page_token"); v != "" {
		cursor, err := decodeToken(v)
		if err != nil {
			return p, err
		}
		p.Cursor = cursor
	}
	return p, nil
}

// parseIDPage is parsePage for lists keyed by ID.
func parseIDPage(c *gin.Context) (limit int, after int64, err error) {
	p, err := parsePage(c)
	if err != nil {
		return 0, 0, err
	}
	after, err = p.AfterID()
	return p.Limit, after, err
}

// decodeToken reads a page token back into its cursor.
func decodeToken(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) == 0 {
		return "", apperr.Field("page_token", "无效的分页标记")
	}
	return string(b), nil
}

func encodeToken(cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursor))
}

// pathID parses an ID path parameter; one that is not of idPattern (as
// the document's pattern says) is 0, which the domain reports as not
// found.
func pathID(c *gin.Context, name string) int64 {
	id, _ := parseIDString(c.Param(name))
	return id
}

// respondCreated answers 201 with body when the request made something new,
// and 200 when it repeated an earlier one (an idempotent retry, an update)
// and body is that first result.
func respondCreated(c *gin.Context, isNew bool, body any) {
	status := http.StatusOK
	if isNew {
		status = http.StatusCreated
	}
	c.JSON(status, body)
}
