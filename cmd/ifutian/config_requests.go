package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/storage"
)

// RequestsConfig is the configuration of 民意速办's photos and WeChat
// content checks.
type RequestsConfig struct {
	DataDir   string // IFUTIAN_DATA_DIR: photos, when no S3 bucket is set
	S3        storage.S3Config
	PushToken string // IFUTIAN_WECHAT_PUSH_TOKEN: verifies WeChat's message pushes
	PublicURL string // IFUTIAN_PUBLIC_URL: where WeChat reaches this server (media checks)
	// ReferralDays is IFUTIAN_REFERRAL_WINDOW_DAYS: the working days an
	// enterprise has to answer a request referred to it (外循环).
	ReferralDays int
}

// loadRequestsConfig reads the IFUTIAN_DATA_DIR, IFUTIAN_S3_*,
// IFUTIAN_WECHAT_PUSH_TOKEN and IFUTIAN_PUBLIC_URL variables into c,
// reporting bad values through bad.
func loadRequestsConfig(getenv func(string) string, c *Config, bad func(name, format string, args ...any)) {
	r := &c.RequestsConfig
	r.DataDir = getenv("IFUTIAN_DATA_DIR")
	if r.DataDir == "" {
		// Beside the SQLite file; in the working directory with MySQL.
		dir := "."
		if path, ok := strings.CutPrefix(c.DB, "sqlite:"); ok {
			dir = filepath.Dir(path)
		}
		r.DataDir = filepath.Join(dir, "ifutian-files")
	}
	r.S3 = storage.S3Config{
		Endpoint: getenv("IFUTIAN_S3_ENDPOINT"), Bucket: getenv("IFUTIAN_S3_BUCKET"),
		AccessKey: getenv("IFUTIAN_S3_ACCESS_KEY"), SecretKey: getenv("IFUTIAN_S3_SECRET_KEY"),
		Region: getenv("IFUTIAN_S3_REGION"), UseSSL: true,
	}
	switch v := getenv("IFUTIAN_S3_USE_SSL"); v {
	case "", "on", "true", "1":
	case "off", "false", "0":
		r.S3.UseSSL = false
	default:
		bad("IFUTIAN_S3_USE_SSL", "%q: want on or off", v)
	}
	if r.S3.Endpoint != "" {
		if strings.Contains(r.S3.Endpoint, "://") || strings.Contains(r.S3.Endpoint, "/") {
			bad("IFUTIAN_S3_ENDPOINT", "%q: want host:port without a scheme (IFUTIAN_S3_USE_SSL chooses https)", r.S3.Endpoint)
		}
		for name, v := range map[string]string{"IFUTIAN_S3_BUCKET": r.S3.Bucket, "IFUTIAN_S3_ACCESS_KEY": r.S3.AccessKey, "IFUTIAN_S3_SECRET_KEY": r.S3.SecretKey} {
			if v == "" {
				bad(name, "required with IFUTIAN_S3_ENDPOINT")
			}
		}
	} else if r.S3.Bucket != "" || r.S3.AccessKey != "" || r.S3.SecretKey != "" {
		bad("IFUTIAN_S3_ENDPOINT", "required with IFUTIAN_S3_BUCKET, IFUTIAN_S3_ACCESS_KEY and IFUTIAN_S3_SECRET_KEY")
	}
	r.PushToken = getenv("IFUTIAN_WECHAT_PUSH_TOKEN")
	if r.PushToken != "" && (len(r.PushToken) < 3 || len(r.PushToken) > 32) {
		bad("IFUTIAN_WECHAT_PUSH_TOKEN", "want 3–32 characters, as WeChat's message-push token")
	}
	if r.PushToken == "" && c.FakeWeChat() {
		// The built-in fake pushes its verdicts signed with this.
		var b [16]byte
		rand.Read(b[:])
		r.PushToken = hex.EncodeToString(b[:])
	}
	r.ReferralDays = requests.DefaultReferralWindowDays
	if v := getenv("IFUTIAN_REFERRAL_WINDOW_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			bad("IFUTIAN_REFERRAL_WINDOW_DAYS", "%q: want 1–10 working days", v)
		}
		r.ReferralDays = n
	}
	r.PublicURL = strings.TrimSuffix(getenv("IFUTIAN_PUBLIC_URL"), "/")
	if r.PublicURL != "" {
		if u, err := url.Parse(r.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("IFUTIAN_PUBLIC_URL", "%q: want the server's public base URL, e.g. https://ifutian.example.gov.cn", r.PublicURL)
		}
	}
}

// openStore opens the photo store: the S3 bucket if one is configured,
// else the data directory.
func openStore(ctx context.Context, r RequestsConfig) (requests.Store, error) {
	if r.S3.Endpoint != "" {
		s, err := storage.NewS3(ctx, r.S3)
		if err != nil {
			return nil, fmt.Errorf("IFUTIAN_S3_ENDPOINT: %w", err)
		}
		return s, nil
	}
	s, err := storage.NewLocal(filepath.Join(r.DataDir, "photos"))
	if err != nil {
		return nil, fmt.Errorf("IFUTIAN_DATA_DIR: %w", err)
	}
	return s, nil
}
