package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
)

// Config is the service configuration, read from IFUTIAN_* variables.
type Config struct {
	Addr              string        // IFUTIAN_ADDR
	DB                string        // IFUTIAN_DB
	WeChatAppID       string        // IFUTIAN_WECHAT_APPID
	WeChatSecret      string        // IFUTIAN_WECHAT_SECRET
	WeChatURL         string        // IFUTIAN_WECHAT_URL
	WeChatTimeout     time.Duration // IFUTIAN_WECHAT_TIMEOUT
	WeChatSendRate    int           // IFUTIAN_WECHAT_SEND_RATE, subscribe messages per second
	WeChatSendLease   time.Duration // IFUTIAN_WECHAT_SEND_LEASE, how long a claimed send is held
	WeChatSendBackoff time.Duration // IFUTIAN_WECHAT_SEND_BACKOFF, first retry delay of a failed send
	NoticePoll        time.Duration // IFUTIAN_NOTICE_POLL, how often due notices are published
	RedisURL          string        // IFUTIAN_REDIS_URL
	RedisPrefix       string        // IFUTIAN_REDIS_PREFIX, start of every key the service writes
	BootstrapPassword string        // IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD
	DataKey           string        // IFUTIAN_DATA_KEY
	LogLevel          slog.Level    // IFUTIAN_LOG_LEVEL
	LogFormat         string        // IFUTIAN_LOG_FORMAT
	OpsToken          string        // IFUTIAN_OPS_TOKEN
	Metrics           bool          // IFUTIAN_METRICS
	Docs              bool          // IFUTIAN_DOCS
	ResidentTokenTTL  time.Duration // IFUTIAN_RESIDENT_TOKEN_TTL
	StaffTokenTTL     time.Duration // IFUTIAN_STAFF_TOKEN_TTL
	PointsLevels      string        // IFUTIAN_POINTS_LEVELS, e.g. "0,100,300,1000": lifetime points of levels 1, 2, …
	PolicyVersion     string        // IFUTIAN_PRIVACY_POLICY_VERSION, the version a resident's consent must name
	TrustedProxiesRaw string        // IFUTIAN_TRUSTED_PROXIES, e.g. "10.0.0.0/8,192.168.1.7"
	RequestsConfig                  // photos and content checks (config_requests.go)

	// Parsed from the above by loadConfig.
	Levels         []int64  // PointsLevels; nil keeps the defaults
	LevelNames     []string // IFUTIAN_POINTS_LEVEL_NAMES, one per level; nil: Lv1, Lv2, …
	DataKeyBytes   []byte   // DataKey; nil when unset (SQLite then keeps a development key)
	TrustedProxies []string // TrustedProxiesRaw, one IP or CIDR each; none by default
	MemberCodeKey  []byte   // IFUTIAN_MEMBER_CODE_KEY; nil when unset (SQLite then keeps a development key)

	// Notify is how notices reach people: IFUTIAN_WECHAT_TEMPLATES,
	// IFUTIAN_WECHAT_LONG_TERM, IFUTIAN_QUIET_HOURS, IFUTIAN_NOTICE_DAILY_CAP.
	Notify notify.Config
	SMS    SMSConfig
	Backup BackupConfig
}

// SMSConfig is the Tencent Cloud SMS account that urgent notices' text
// messages go through (IFUTIAN_SMS_*); without a secret the built-in fake
// SMS server is used.
type SMSConfig struct {
	SecretID, SecretKey string // IFUTIAN_SMS_SECRET_ID, IFUTIAN_SMS_SECRET_KEY
	SdkAppID            string // IFUTIAN_SMS_SDK_APP_ID
	SignName            string // IFUTIAN_SMS_SIGN
	TemplateID          string // IFUTIAN_SMS_TEMPLATE
	Region              string // IFUTIAN_SMS_REGION
	URL                 string // IFUTIAN_SMS_URL: a fake SMS server (ifutian fake-sms)
	Rate                int    // IFUTIAN_SMS_RATE, text messages per second
}

// Fake reports whether the built-in fake SMS server is used.
func (c SMSConfig) Fake() bool { return c.URL == "" && c.SecretID == "" }

// FakeWeChat reports whether the built-in fake WeChat is used.
func (c Config) FakeWeChat() bool {
	return c.WeChatURL == "" && (c.WeChatAppID == "" || c.WeChatSecret == "")
}

// loadConfig reads and checks the whole configuration, so that a bad value
// stops the program before it touches the database. Every bad value is an
// error naming its variable.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:         or(getenv("IFUTIAN_ADDR"), ":8080"),
		DB:           or(getenv("IFUTIAN_DB"), "sqlite:ifutian.db"),
		WeChatAppID:  getenv("IFUTIAN_WECHAT_APPID"),
		WeChatSecret: getenv("IFUTIAN_WECHAT_SECRET"),
		WeChatURL:    getenv("IFUTIAN_WECHAT_URL"),
		RedisURL:     getenv("IFUTIAN_REDIS_URL"),
		RedisPrefix:  or(getenv("IFUTIAN_REDIS_PREFIX"), "ifutian:"),
		DataKey:      getenv("IFUTIAN_DATA_KEY"),
		OpsToken:     getenv("IFUTIAN_OPS_TOKEN"),
		LogFormat:    or(getenv("IFUTIAN_LOG_FORMAT"), "text"),

		BootstrapPassword: getenv("IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD"),
		PointsLevels:      getenv("IFUTIAN_POINTS_LEVELS"),
		PolicyVersion:     or(getenv("IFUTIAN_PRIVACY_POLICY_VERSION"), residents.DefaultPolicyVersion),
		TrustedProxiesRaw: getenv("IFUTIAN_TRUSTED_PROXIES"),
	}
	var errs []string
	bad := func(name, format string, args ...any) {
		errs = append(errs, name+": "+fmt.Sprintf(format, args...))
	}
	if err := db.CheckDSN(c.DB); err != nil {
		bad("IFUTIAN_DB", "%v", err)
	}
	if c.DataKey != "" {
		k, err := pii.ParseKey(c.DataKey)
		if err != nil {
			bad("IFUTIAN_DATA_KEY", "want %d random bytes in base64 (openssl rand -base64 %d)", pii.KeySize, pii.KeySize)
		}
		c.DataKeyBytes = k
	} else if strings.HasPrefix(c.DB, "mysql:") {
		// Losing the key loses every phone number: with MySQL it is never generated.
		bad("IFUTIAN_DATA_KEY", "required with MySQL: %d random bytes in base64 (openssl rand -base64 %d)", pii.KeySize, pii.KeySize)
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			bad("IFUTIAN_REDIS_URL", "%q: %v (want e.g. redis://127.0.0.1:6379/0)", c.RedisURL, err)
		}
	}
	if strings.TrimSpace(c.PointsLevels) != "" {
		levels, err := parseLevels(c.PointsLevels)
		if err != nil {
			bad("IFUTIAN_POINTS_LEVELS", "%q: %v", c.PointsLevels, err)
		}
		c.Levels = levels
	}
	if v := strings.TrimSpace(getenv("IFUTIAN_POINTS_LEVEL_NAMES")); v != "" {
		levels := len(points.DefaultLevels)
		if c.Levels != nil {
			levels = len(c.Levels)
		}
		for n := range strings.SplitSeq(v, ",") {
			c.LevelNames = append(c.LevelNames, strings.TrimSpace(n))
		}
		if len(c.LevelNames) != levels || slices.Contains(c.LevelNames, "") {
			bad("IFUTIAN_POINTS_LEVEL_NAMES", "%q: want %d names separated by commas, one per level of IFUTIAN_POINTS_LEVELS", v, levels)
		}
	}
	if err := residents.CheckPolicyVersion(c.PolicyVersion); err != nil {
		bad("IFUTIAN_PRIVACY_POLICY_VERSION", "%q: %v", c.PolicyVersion, err)
	}
	for _, p := range strings.Split(c.TrustedProxiesRaw, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				bad("IFUTIAN_TRUSTED_PROXIES", "%q: want IP addresses or CIDR ranges separated by commas", p)
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if v := getenv("IFUTIAN_MEMBER_CODE_KEY"); v != "" {
		k, err := pii.ParseKey(v)
		if err != nil {
			bad("IFUTIAN_MEMBER_CODE_KEY", "want %d random bytes in base64 (openssl rand -base64 %d)", pii.KeySize, pii.KeySize)
		}
		c.MemberCodeKey = k
	} else if strings.HasPrefix(c.DB, "mysql:") {
		// Every instance must sign with the same key: with MySQL it is never generated.
		bad("IFUTIAN_MEMBER_CODE_KEY", "required with MySQL: %d random bytes in base64 (openssl rand -base64 %d)", pii.KeySize, pii.KeySize)
	}
	if c.WeChatURL != "" && !strings.HasPrefix(c.WeChatURL, "http://") && !strings.HasPrefix(c.WeChatURL, "https://") {
		bad("IFUTIAN_WECHAT_URL", "%q: want http://host:port", c.WeChatURL)
	}
	if (c.WeChatAppID == "") != (c.WeChatSecret == "") && c.WeChatURL == "" {
		bad("IFUTIAN_WECHAT_APPID", "set both IFUTIAN_WECHAT_APPID and IFUTIAN_WECHAT_SECRET, or neither for the built-in fake")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("IFUTIAN_LOG_FORMAT", "%q: want text or json", c.LogFormat)
	}
	if v := getenv("IFUTIAN_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("IFUTIAN_LOG_LEVEL", "%q: want debug, info, warn or error", v)
		}
	}
	if c.BootstrapPassword != "" && len(c.BootstrapPassword) < 10 {
		bad("IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD", "must be at least 10 characters")
	}
	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"IFUTIAN_WECHAT_TIMEOUT", &c.WeChatTimeout, 5 * time.Second},
		{"IFUTIAN_WECHAT_SEND_LEASE", &c.WeChatSendLease, 30 * time.Second},
		{"IFUTIAN_WECHAT_SEND_BACKOFF", &c.WeChatSendBackoff, 2 * time.Second},
		{"IFUTIAN_NOTICE_POLL", &c.NoticePoll, 5 * time.Second},
		{"IFUTIAN_RESIDENT_TOKEN_TTL", &c.ResidentTokenTTL, 30 * 24 * time.Hour},
		{"IFUTIAN_STAFF_TOKEN_TTL", &c.StaffTokenTTL, 12 * time.Hour},
	}
	for _, d := range durations {
		*d.dst = d.def
		if v := getenv(d.name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				bad(d.name, "%q: want a positive duration like 30s or 12h", v)
			}
			*d.dst = x
		}
	}
	c.WeChatSendRate = notify.DefaultSendRate
	if v := getenv("IFUTIAN_WECHAT_SEND_RATE"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			bad("IFUTIAN_WECHAT_SEND_RATE", "%q: want a positive whole number of messages per second", v)
		}
		c.WeChatSendRate = n
	}
	loadNotifyConfig(&c, getenv, bad)
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"IFUTIAN_METRICS", &c.Metrics}, {"IFUTIAN_DOCS", &c.Docs}} {
		switch v := getenv(b.name); v {
		case "", "on", "true", "1":
			*b.dst = true
		case "off", "false", "0":
		default:
			bad(b.name, "%q: want on or off", v)
		}
	}
	loadRequestsConfig(getenv, &c, bad)
	loadBackupConfig(&c, getenv, bad)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

// parseLevels reads IFUTIAN_POINTS_LEVELS: ascending whole numbers, the
// lifetime points at which levels 1, 2, … begin.
func parseLevels(v string) ([]int64, error) {
	var levels []int64
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("want ascending whole numbers like 0,100,300,1000")
		}
		if len(levels) > 0 && n <= levels[len(levels)-1] {
			return nil, errors.New("the thresholds must ascend")
		}
		levels = append(levels, n)
	}
	return levels, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
