package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"github.com/futian/ifutian/internal/apperr"
)

// maxBody is the largest request body accepted (1 MiB).
const maxBody = 1 << 20

var errTooLarge = apperr.New("payload_too_large", "请求体超过 1 MiB")

var registerTagName sync.Once

// bindJSON decodes the JSON body into dst and checks its binding tags.
// Unknown fields are ignored; a wrong type, malformed JSON or a failed
// check is an invalid_argument naming the fields; an empty body decodes as
// {}; an oversized body is payload_too_large.
func bindJSON(c *gin.Context, dst any) error {
	registerTagName.Do(func() {
		// Name fields in validation errors by their JSON names.
		if v, ok := binding.Validator.Engine().(*validator.Validate); ok {
			v.RegisterTagNameFunc(func(f reflect.StructField) string {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					return ""
				}
				return name
			})
		}
	})
	err := json.NewDecoder(c.Request.Body).Decode(&notNull{dst})
	var (
		maxErr    *http.MaxBytesError
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case err == nil, errors.Is(err, io.EOF):
	case errors.As(err, &maxErr):
		return errTooLarge
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, fmt.Sprintf("类型错误，应为 %s", jsonType(typeErr.Type)))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Field("body", "不是有效的 JSON")
	default:
		return apperr.Field("body", "无法解析: "+err.Error())
	}
	return validate(dst)
}

// validate runs the binding tags of a request struct.
func validate(v any) error {
	err := binding.Validator.ValidateStruct(v)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	fields := map[string]string{}
	for _, fe := range ves {
		name := fe.Namespace()
		if _, rest, ok := strings.Cut(name, "."); ok {
			name = rest // drop the struct's own name
		}
		fields[name] = describe(fe)
	}
	return apperr.Fields(fields)
}

func describe(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "必填"
	case "min":
		return "不能少于 " + fe.Param()
	case "max":
		return "不能多于 " + fe.Param()
	case "oneof":
		return "须为以下之一: " + fe.Param()
	case "len":
		return "长度须为 " + fe.Param()
	case "gte":
		return "不能小于 " + fe.Param()
	case "lte":
		return "不能大于 " + fe.Param()
	case "gt":
		return "须大于 " + fe.Param()
	case "url", "http_url":
		return "须为有效网址"
	case "dive":
		return "取值无效"
	default:
		return "取值无效 (" + fe.Tag() + ")"
	}
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Map, reflect.Struct:
		return "对象"
	}
	return t.String()
}

// parseID reads an ID sent as a JSON string.
func parseID(field, v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field(field, "须为有效的 ID")
	}
	return id, nil
}

// parseTime reads an RFC 3339 time field; "" is nil.
func parseTime(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, apperr.Field(field, "须为 RFC 3339 时间，如 2026-01-02T09:00:00+08:00")
	}
	return &t, nil
}
