package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/requests"
)

// clientConfig is what the mini program needs to know of the server's
// configuration: one public read, cached.
type clientConfig struct {
	// PrivacyPolicyVersion is the version a consent must name.
	PrivacyPolicyVersion string `json:"privacy_policy_version" example:"2026-12" doc:"POST /api/v1/me/consent must name it; a resident whose consent_version differs is shown the policy again"`
	// Subscribe lists the wx.requestSubscribeMessage calls that ask for
	// the system messages' templates, by purpose.
	Subscribe []notify.SubscribeAsk `json:"subscribe" doc:"one item per wx.requestSubscribeMessage call"`
	Levels    []points.Level        `json:"levels" doc:"the points levels, lowest first"`
	Photos    photoLimits           `json:"photos" doc:"the limits of photo uploads"`
	// UTCOffset is the district's offset: days (caps, attempts, deadlines)
	// are its days.
	UTCOffset string     `json:"utc_offset" example:"+08:00" doc:"the district's offset; days (caps, attempts per day) are district days"`
	Pages     pageLimits `json:"pages" doc:"page sizes of the lists"`
}

type photoLimits struct {
	MaxBytes      int64    `json:"max_bytes" example:"10485760" doc:"largest upload, before the server re-encodes it"`
	ContentTypes  []string `json:"content_types" doc:"e.g. image/jpeg, image/png, image/webp (told by content)"`
	MaxPerRequest int      `json:"max_per_request" example:"6"`
	UploadField   string   `json:"upload_field" example:"file" doc:"the multipart field wx.uploadFile names (name)"`
}

type pageLimits struct {
	DefaultSize int `json:"default_size" example:"20"`
	MaxSize     int `json:"max_size" example:"100"`
}

var getClientConfigOp = op{
	Tag: "residents", Summary: "小程序配置（隐私政策版本、订阅模板、等级、照片限制）",
	Description: "What the mini program needs of the server's configuration, without a token: the privacy policy version a " +
		"consent must name; the subscribe templates of the system messages as the wx.requestSubscribeMessage calls that ask " +
		"for them (subscribe: by purpose, the screen where the resident acts; at most 3 templates per call, one-time and " +
		"long-term never mixed; ask each group at a tap on its screen); the points levels with their names and thresholds; the " +
		"limits of photo uploads (multipart field upload_field, checked by content); the district's UTC offset; page sizes. " +
		"Cacheable: Cache-Control public, max-age=300, and an ETag: send it back as If-None-Match (the ETag of a copy held) " +
		"to get 304 while nothing changed.",
	Replies: []reply{
		{Status: http.StatusOK, Description: "OK", Body: clientConfig{}, Headers: map[string]string{
			"ETag": "of this content", "Cache-Control": "public, max-age=300"}},
		{Status: http.StatusNotModified, Description: "Not modified: the copy whose ETag was sent is current"},
	},
}

// getClientConfig serves the client configuration with an ETag of its
// content, so a client revalidates it cheaply (304).
func (s *Server) getClientConfig(c *gin.Context) {
	cfg := clientConfig{
		PrivacyPolicyVersion: s.Residents.PolicyVersion(),
		Subscribe:            s.Notify.SubscribeAsks(),
		Levels:               s.Points.Levels(),
		Photos: photoLimits{MaxBytes: requests.MaxPhotoBytes, ContentTypes: slices.Clone(requests.PhotoTypes),
			MaxPerRequest: requests.MaxPhotos, UploadField: "file"},
		UTCOffset: time.Now().In(district.Zone).Format("-07:00"),
		Pages:     pageLimits{DefaultSize: defaultPageSize, MaxSize: maxPageSize},
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		s.fail(c, err)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "public, max-age=300")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
