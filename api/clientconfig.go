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
	PrivacyPolicyVersion string `json:"privacy_policy_version"`
	// Subscribe lists the wx.requestSubscribeMessage calls that ask for
	// the system messages' templates, by purpose.
	Subscribe []notify.SubscribeAsk `json:"subscribe"`
	Levels    []points.Level        `json:"levels"`
	Photos    photoLimits           `json:"photos"`
	// UTCOffset is the district's offset: days (caps, attempts, deadlines)
	// are its days.
	UTCOffset string     `json:"utc_offset"`
	Pages     pageLimits `json:"pages"`
}

type photoLimits struct {
	MaxBytes      int64    `json:"max_bytes"`
	ContentTypes  []string `json:"content_types"`
	MaxPerRequest int      `json:"max_per_request"`
	UploadField   string   `json:"upload_field"`
}

type pageLimits struct {
	DefaultSize int `json:"default_size"`
	MaxSize     int `json:"max_size"`
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
