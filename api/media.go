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
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
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

var uploadRewardImageOp = op{
	Tag:     "admin-points",
	Summary: "Upload a reward's picture",
	Description: "points_officer or dept_admin of the reward's department (the permission of editing it); another " +
		"department's reward is 404, checked before the file is read. The picture, as wx.uploadFile or the console sends it: " +
		"multipart/form-data with the file in `file`. JPEG, PNG or WebP, told by content (not the file's name); at most 10 MiB " +
		"and the photos' bounds in pixels and decoded memory. Decoded under the server's shared limit (429 with Retry-After " +
		"when its turn does not come within 15 s), turned upright, scaled to at most 1280 px on the longer side with a 320 px " +
		"JPEG thumbnail, and encoded again with no EXIF or other metadata. It replaces the picture before, whose files are " +
		"deleted. A file that is no such image or too large is 400 naming `file`, and nothing changes. A body over 12 MiB is " +
		"413. The picture is public content: image_url and thumb_url are unsigned links (GET /api/v1/media/images/{name}) that " +
		"any <image src> loads without a header and anyone may cache for good. A withdrawn reward takes one too. Audited like " +
		"other edits (the entry names the stored picture). Answers the reward with its counts.",
	Body:    upload{Description: "the picture, in the field file"},
	Replies: []reply{ok(points.RewardStats{})},
	Errors:  []int{http.StatusTooManyRequests},
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

// pictureTypes are the content types a stored picture is served as.
var pictureTypes = []string{"image/jpeg", "image/png"}

var servePublicImageOp = op{
	Tag: "requests", Summary: "公开图片",
	Description: "No token, no signature: a reward's or an activity's picture (public content, no personal data) by the link " +
		"its views carry (image_url, thumb_url), for <image src>. Each upload is stored under fresh random names never " +
		"written again, so a link names one file for good: Cache-Control: public, max-age=31536000, immutable, with an ETag " +
		"(If-None-Match: 304). A new picture gets new links; the replaced one's files are deleted soon after (404). A name " +
		"that is no picture's is 404.",
	Path: struct {
		Name string `uri:"name" pattern:"^[0-9a-f]{32,64}$" doc:"the picture's name, from its link"`
	}{},
	Replies: []reply{
		file(http.StatusOK, "the picture (Cache-Control: public, max-age=31536000, immutable)", pictureTypes...),
		{Status: http.StatusNotModified, Description: "not modified (If-None-Match matched the ETag)"},
	},
}

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

var uploadAvatarOp = op{
	Tag: "residents", Summary: "上传头像",
	Description: "Resident. The avatar WeChat's <button open-type=\"chooseAvatar\"> gives as a local temporary file, sent by " +
		"wx.uploadFile: multipart/form-data with the file in `file`. JPEG, PNG or WebP, told by content; at most 10 MiB and " +
		"the photos' bounds in pixels and decoded memory. Decoded under the server's shared limit (429 with Retry-After when " +
		"its turn does not come within 15 s), cropped to its centre square, scaled to 256×256 and encoded as JPEG with no " +
		"EXIF or other metadata; kept in the photo store. It replaces the avatar before (whose file is deleted) and any " +
		"avatar_url address. Answers my profile, whose avatar_url is a signed link to it. A file that is no such image or " +
		"too large is 400 naming `file`, and nothing changes. A body over 12 MiB is 413. DELETE /me deletes the file.",
	Body:    upload{Description: "the avatar, in the part named file"},
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
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

// linkKind is what a signed link names: a request's photo or an avatar.
type linkKind string

// Enum lists the kinds of signed links.
func (linkKind) Enum() []string { return []string{media.KindPhoto, media.KindAvatar} }

// linkSize is the size a signed link names: the thumbnail, or (absent)
// the picture itself.
type linkSize string

// Enum lists the sizes a link may name besides the full one.
func (linkSize) Enum() []string { return []string{media.SizeThumb} }

var serveMediaLinkOp = op{
	Tag: "requests", Summary: "签名图片链接",
	Description: "No token: the link is the permission, for <image src>, which sends no header. Serves a request photo (kind " +
		"`photos`, size full or `thumb`) or a resident's uploaded avatar (kind `avatars`) by the signed link the API gave " +
		"(`photos[].url`, `photos[].thumb_url`, `avatar_url`). The signature (HMAC-SHA-256 under a key derived from " +
		"IFUTIAN_MEMBER_CODE_KEY) covers the kind, the ID, the size and the expiry, so a link names one file in one size for " +
		"10–15 minutes. An expired link, one whose parts were changed, or one signed for another file (any parameter " +
		"amiss, exp not 1–19 digits included) is 403, answered alike and before anything is looked up; a valid link whose " +
		"file is gone (erased, account deleted, avatar replaced by an address) is 404. Cache-Control: private, max-age = the " +
		"seconds the link has left.",
	Path: struct {
		Kind linkKind `uri:"kind"`
	}{},
	Query: struct {
		Exp  string   `form:"exp" binding:"required" doc:"the link's expiry, Unix seconds"`
		Sig  string   `form:"sig" binding:"required" doc:"the link's signature"`
		Size linkSize `form:"size" doc:"the thumbnail (photos only); absent: the photo"`
	}{},
	Replies: []reply{file(http.StatusOK, "the picture (Cache-Control: private, max-age=<seconds the link has left>)", pictureTypes...)},
	Errors:  []int{http.StatusForbidden},
}

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
