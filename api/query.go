package api

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
)

// pageQuery is the pagination every list takes; embed it in a list's
// query struct and call page for the limit and cursor.
type pageQuery struct {
	PageSize  *int   `form:"page_size" binding:"omitempty,min=1,max=100" doc:"items per page, 1–100 (default 20); any other value is 400 naming page_size"`
	PageToken string `form:"page_token" doc:"the next_page_token of the page before; opaque"`
}

// page returns the page's size (default 20) and its decoded cursor.
func (q pageQuery) page() (pageReq, error) {
	p := pageReq{Limit: defaultPageSize}
	if q.PageSize != nil {
		p.Limit = *q.PageSize
	}
	if q.PageToken != "" {
		cursor, err := decodeToken(q.PageToken)
		if err != nil {
			return p, err
		}
		p.Cursor = cursor
	}
	return p, nil
}

// idPage is page for lists keyed by ID: the limit and the ID to continue
// from (0 for the first page).
func (q pageQuery) idPage() (limit int, after int64, err error) {
	p, err := q.page()
	if err != nil {
		return 0, 0, err
	}
	after, err = p.AfterID()
	return p.Limit, after, err
}

// bindQuery reads the query string into dst, a pointer to a struct of
// `form` fields (strings, named string types, ints, bools, times (RFC
// 3339), IDs (int64 tagged `form:"x_id,string"`), and pointers to them;
// embedded structs too), then checks its binding tags
// (check.Struct). A value of the wrong type is 400 naming the parameter.
// Parameters the struct does not name are ignored.
func bindQuery(c *gin.Context, dst any) error {
	values := c.Request.URL.Query()
	bad := map[string]string{}
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("form"), ",")
			if f.Anonymous && name == "" {
				fill(v.Field(i))
				continue
			}
			raw, ok := values[name]
			if name == "" || name == "-" || !ok {
				continue
			}
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer {
				fv.Set(reflect.New(fv.Type().Elem()))
				fv = fv.Elem()
			}
			s := raw[len(raw)-1]
			switch {
			case opts == "string" && fv.Kind() == reflect.Int64: // an ID
				id, ok := parseIDString(s)
				if !ok {
					bad[name] = idMessage
					continue
				}
				fv.SetInt(id)
				continue
			case fv.Type() == timeType: // RFC 3339
				t, err := parseTime(name, s)
				var e *apperr.Error
				if errors.As(err, &e) {
					bad[name] = e.Fields[name]
					continue
				}
				if t != nil {
					fv.Set(reflect.ValueOf(*t))
				} else {
					v.Field(i).SetZero() // empty: not sent
				}
				continue
			}
			switch fv.Kind() {
			case reflect.String:
				fv.SetString(s)
			case reflect.Int, reflect.Int32, reflect.Int64:
				n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
				if err != nil {
					bad[name] = "须为整数"
					continue
				}
				fv.SetInt(n)
			case reflect.Bool:
				b, err := strconv.ParseBool(s)
				if err != nil {
					bad[name] = "须为 true 或 false"
					continue
				}
				fv.SetBool(b)
			default:
				panic("bindQuery: unsupported field " + f.Name)
			}
		}
	}
	fill(reflect.ValueOf(dst).Elem())
	if len(bad) > 0 {
		return apperr.Fields(bad)
	}
	return check.Struct(dst)
}
