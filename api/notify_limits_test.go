package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
)

// rawJSON encodes v without escaping <, > and &, as a client would send it.
func rawJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNoticeTextBytes: a notice's text is limited in bytes where its column
// counts bytes (issue #12, 9: 16,384 emoji are under 20,000 characters but
// over the 65,535 bytes of a MySQL TEXT, and answered 500 there).
func TestNoticeTextBytes(t *testing.T) {
	e := newNoticeEnv(t)
	emoji := strings.Repeat("😀", 16384) // 65,536 bytes
	t.Run("ErrBodyBytes", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/notices", e.editor, e.notice(map[string]any{"body": emoji})), http.StatusBadRequest, "invalid_argument", "body")
		if n := e.count("notices") + e.count("notice_events"); n != 0 {
			t.Fatalf("%d rows written by a refused notice", n)
		}
	})
	t.Run("ErrDirectBodyBytes", func(t *testing.T) {
		_, rid := e.resident("bytes-direct")
		err := e.notify.SendDirect(context.Background(), notify.DirectNotice{Title: "通知", Body: emoji, ResidentIDs: []int64{rid}, Source: "bytes:1"})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Fields["body"] == "" {
			t.Fatalf("SendDirect of %d bytes: %v, want invalid_argument naming body", len(emoji), err)
		}
		if n := e.count("notices"); n != 0 {
			t.Fatalf("%d notices written by a refused direct notice", n)
		}
	})
	// Every text field at its longest, in the characters that take the most
	// bytes where they are stored (4-byte emoji; < stored JSON-escaped as
	// \u003c), fits its column on both dialects and reads back unchanged.
	t.Run("LongestFits", func(t *testing.T) {
		data := map[string]string{}
		for i := range 20 {
			data[fmt.Sprintf("%02d%s", i, strings.Repeat("<", 30))] = strings.Repeat("<", 200)
		}
		tags := make([]string, 10_000)
		for i := range tags {
			tags[i] = strings.Repeat("<", 32)
		}
		sub := map[string]any{"template_id": strings.Repeat("T", 64), "page": strings.Repeat("p", 256), "data": data}
		n := map[string]any{
			"title": strings.Repeat("😀", 100), "body": strings.Repeat("😀", 16383) + "abc",
			"audience": map[string]any{"tags": tags}, "subscribe": sub,
		}
		rec := e.do("POST", "/api/v1/admin/notices", e.editor, rawJSON(t, e.notice(n)))
		wantStatus(t, rec, http.StatusCreated)
		var created struct {
			ID string `json:"id"`
		}
		decode(t, rec, &created)
		rec = e.do("GET", "/api/v1/admin/notices/"+created.ID, e.editor, nil)
		wantStatus(t, rec, http.StatusOK)
		var got struct {
			Notice struct {
				Title, Body string
				Audience    struct{ Tags []string }
				Subscribe   struct {
					TemplateID string `json:"template_id"`
					Page       string
					Data       map[string]string
				}
			}
		}
		decode(t, rec, &got)
		g := got.Notice
		if len(g.Body) != 65535 || g.Body != n["body"] || g.Title != n["title"] || !slices.Equal(g.Audience.Tags, tags) ||
			g.Subscribe.TemplateID != sub["template_id"] || g.Subscribe.Page != "pages/notices/detail?id="+created.ID || len(g.Subscribe.Data) != 20 || g.Subscribe.Data["00"+strings.Repeat("<", 30)] != strings.Repeat("<", 200) {
			t.Fatalf("read back differs: body %d bytes, title %q, %d tags, subscribe %+v", len(g.Body), g.Title, len(g.Audience.Tags), g.Subscribe.TemplateID)
		}
	})
}
