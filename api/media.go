package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/media"
)

// avatarUploadPath takes a resident's avatar as wx.uploadFile sends it; its
// body may be as large as a photo's.
const avatarUploadPath = "/api/v1/me/avatar"

// pictureUploadRoutes take a reward's or an activity's picture; their
// bodies may be as large as a photo's.
var pictureUploadRoutes = map[string]bool{
	"/api/v1/admin/rewards/:id/image":    true,
	"/api/v1/admin/activities/:id/image": true,
}

// uploadRewardImage sets a reward's picture (multipart, field "file") and
// answers the reward as its managers list it, with the picture's links.
func (s *Server) uploadRewardImage(c *gin.Context) {
	s.withUploadedFile(c, func(file io.Reader) error {
		r, err := s.Points.UploadRewardImage(c.Request.Context(), actor(c), pathID(c, "id"), file)
		if err == nil {
			c.JSON(http.StatusOK, r)
		}
		return err
	})
}

var uploadActivityImageOp = op{
	Tag:     "admin-activities",
	Summary: "Upload an activity's picture",
	Description: "editor or dept_admin of an activity in the caller's scope (the permission of editing it); one outside the scope " +
		"(another department's, another street's) is 404, checked before the file is read. The picture, as wx.uploadFile or the " +
		"console sends it: multipart/form-data with the file in `file`. JPEG, PNG or WebP, told by content (not the file's " +
		"name); at most 10 MiB and the photos' bounds in pixels and decoded memory. Decoded under the server's shared limit " +
		"(429 with Retry-After when its turn does not come within 15 s), turned upright, scaled to at most 1280 px on the " +
		"longer side with a 320 px JPEG thumbnail, and encoded again with no EXIF or other metadata. It replaces the picture " +
		"before, whose files are deleted. A file that is no such image or too large is 400 naming `file`, and nothing changes. " +
		"A body over 12 MiB is 413. The picture is public content: image_url and thumb_url are unsigned links (GET " +
		"/api/v1/media/images/{name}) that any <image src> loads without a header and anyone may cache for good. Any activity " +
		"in scope takes one (a draft's shows once published). Audited like other edits (the entry names the stored picture). " +
		"Answers the activity as its department sees it.",
	Body:    upload{Description: "the picture, in the field file"},
	Replies: []reply{ok(activities.StaffView{})},
	Errors:  []int{http.StatusTooManyRequests},
}

// uploadActivityImage sets an activity's picture (multipart, field "file")
// and answers its staff view, with the picture's links.
func (s *Server) uploadActivityImage(c *gin.Context) {
	s.withUploadedFile(c, func(file io.Reader) error {
		v, err := s.Activities.UploadImage(c.Request.Context(), actor(c), pathID(c, "id"), file)
		if err == nil {
			c.JSON(http.StatusOK, v)
		}
		return err
	})
}

// publicImageCache lets anyone keep a public picture for a year without
// asking again: its link names one stored file, never rewritten (a new
// picture gets a new link).
const publicImageCache = "public, max-age=31536000, immutable"

// servePublicImage serves a reward's or an activity's picture by its
// public link: no header, no signature (public content, no personal data),
// and cacheable by anyone for good.
func (s *Server) servePublicImage(c *gin.Context) {
	name := c.Param("name")
	body, contentType, err := s.Pictures.Open(c.Request.Context(), name)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer body.Close()
	etag := `"` + name + `"`
	c.Header("Cache-Control", publicImageCache)
	c.Header("ETag", etag)
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.DataFromReader(http.StatusOK, -1, contentType, body, nil)
}

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
