package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/futian/ifutian/storage"
)

func TestRequestsConfig(t *testing.T) {
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"ErrS3WithoutBucket": {[]string{"IFUTIAN_S3_ENDPOINT", "minio:9000", "IFUTIAN_S3_ACCESS_KEY", "k", "IFUTIAN_S3_SECRET_KEY", "s"}, "IFUTIAN_S3_BUCKET"},
		"ErrS3Scheme":        {[]string{"IFUTIAN_S3_ENDPOINT", "https://minio:9000", "IFUTIAN_S3_BUCKET", "b", "IFUTIAN_S3_ACCESS_KEY", "k", "IFUTIAN_S3_SECRET_KEY", "s"}, "IFUTIAN_S3_ENDPOINT"},
		"ErrS3WithoutEnd":    {[]string{"IFUTIAN_S3_BUCKET", "photos"}, "IFUTIAN_S3_ENDPOINT"},
		"ErrS3SSL":           {[]string{"IFUTIAN_S3_USE_SSL", "maybe"}, "IFUTIAN_S3_USE_SSL"},
		"ErrPublicURL":       {[]string{"IFUTIAN_PUBLIC_URL", "ifutian.example"}, "IFUTIAN_PUBLIC_URL"},
		"ErrPushToken":       {[]string{"IFUTIAN_WECHAT_PUSH_TOKEN", strings.Repeat("t", 40)}, "IFUTIAN_WECHAT_PUSH_TOKEN"},
		"ErrReferralDays":    {[]string{"IFUTIAN_REFERRAL_WINDOW_DAYS", "0"}, "IFUTIAN_REFERRAL_WINDOW_DAYS"},
		"ErrReferralDaysNaN": {[]string{"IFUTIAN_REFERRAL_WINDOW_DAYS", "two"}, "IFUTIAN_REFERRAL_WINDOW_DAYS"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%v, want it to name %s", err, tc.want)
			}
		})
	}
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env("IFUTIAN_DB", "sqlite:/var/lib/ifutian/main.db"))
		if err != nil {
			t.Fatal(err)
		}
		if c.DataDir != "/var/lib/ifutian/ifutian-files" || c.S3.Endpoint != "" || c.PushToken == "" || c.ReferralDays != 2 {
			t.Fatalf("defaults: %+v", c.RequestsConfig)
		}
	})
	t.Run("S3", func(t *testing.T) {
		backend := s3mem.New()
		backend.CreateBucket("photos")
		srv := httptest.NewServer(gofakes3.New(backend).Server())
		defer srv.Close()
		c, err := loadConfig(env("IFUTIAN_S3_ENDPOINT", strings.TrimPrefix(srv.URL, "http://"), "IFUTIAN_S3_BUCKET", "photos",
			"IFUTIAN_S3_ACCESS_KEY", "k", "IFUTIAN_S3_SECRET_KEY", "s", "IFUTIAN_S3_USE_SSL", "off", "IFUTIAN_S3_REGION", "us-east-1"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := openStore(context.Background(), c.RequestsConfig)
		if _, ok := st.(*storage.S3); err != nil || !ok {
			t.Fatalf("openStore: %T %v, want the S3 store", st, err)
		}
		c.S3.Bucket = "missing"
		if _, err := openStore(context.Background(), c.RequestsConfig); err == nil || !strings.Contains(err.Error(), "IFUTIAN_S3_ENDPOINT") {
			t.Fatalf("missing bucket: %v", err)
		}
		c.S3.Endpoint = ""
		c.DataDir = filepath.Join(t.TempDir(), "files")
		if st, err := openStore(context.Background(), c.RequestsConfig); err != nil {
			t.Fatal(err)
		} else if _, ok := st.(*storage.Local); !ok {
			t.Fatalf("without S3: %T", st)
		}
	})
}
