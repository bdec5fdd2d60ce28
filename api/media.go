package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/media"
)

// avatarUploadPath takes a resident's avatar as wx.uploadFile sends it; its
// body may be as large as a photo's.
const avatarUploadPath = "/api/v1/me/avatar"

// withUploadedFile finds the multipart part "file" (as wx.uploadFile sends
// it) and hands it to use, which reads it as a stream. A body that is no
// multipart, lacks the part, or is over the body limit is answered here.
func (s *Server) withUploadedFile(c *gin.Context, use func(io.Reader) error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		s.fail(c, apperr.Field("file", "须以 multipart/form-data 上传，文件字段名为 file"))
		return
	}
	for {
		part, err := mr.NextPart()
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr):
			s.fail(c, errTooLarge)
			return
		case errors.Is(err, io.EOF):
			s.fail(c, apperr.Field("file", "必填"))
			return
		case err != nil:
			s.fail(c, apperr.Field("file", "无法读取上传的文件"))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		err = use(part)
		if errors.As(err, &maxErr) {
			err = errTooLarge
		}
		if err != nil {
			s.fail(c, err)
		}
		return
	}
}

// uploadAvatar takes the resident's avatar (multipart, field "file") and
// answers their profile, whose avatar_url is a signed link to it.
func (s *Server) uploadAvatar(c *gin.Context) {
	s.withUploadedFile(c, func(file io.Reader) error {
		r, err := s.Residents.UploadAvatar(c.Request.Context(), residentID(c), file)
		if err == nil {
			c.JSON(http.StatusOK, r)
		}
		return err
	})
}

// errBadLink answers every link that does not hold (expired, altered, for
// another picture), the same way, before anything is looked up: it
// confirms nothing about what exists.
var errBadLink = apperr.New(apperr.PermissionDenied, "图片链接无效或已过期，请刷新页面")

// serveMediaLink serves a photo or an avatar by its signed link, with no
// header needed (an <image> of the mini program fetches it). The link's
// signature and expiry are checked first; a missing picture behind a valid
// link is 404. Browsers and WeChat may keep it privately until the link
// expires, never a shared cache.
func (s *Server) serveMediaLink(c *gin.Context) {
	kind, size := c.Param("kind"), c.Query("size")
	id, idOK := parseIDString(c.Param("id"))
	if !idOK || (kind != media.KindPhoto && kind != media.KindAvatar) || (size != media.SizeFull && size != media.SizeThumb) {
		s.fail(c, errBadLink)
		return
	}
	left, ok := s.Links.Verify(kind, id, size, c.Query("exp"), c.Query("sig"), time.Now())
	if !ok {
		s.fail(c, errBadLink)
		return
	}
	ctx := c.Request.Context()
	var body io.ReadCloser
	var contentType string
	var length int64 = -1
	switch kind {
	case media.KindPhoto:
		p, err := s.Requests.PhotoByLink(ctx, id, size)
		if err != nil {
			s.fail(c, err)
			return
		}
		body, contentType, length = p.Body, p.ContentType, p.Size
	case media.KindAvatar:
		a, err := s.Residents.Avatar(ctx, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		body, contentType = a.Body, a.ContentType
	}
	defer body.Close()
	c.Header("Cache-Control", "private, max-age="+strconv.Itoa(int(left/time.Second)))
	c.DataFromReader(http.StatusOK, length, contentType, body, nil)
}
