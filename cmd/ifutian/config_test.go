package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/futian/ifutian/internal/dbtest"
)

const testDataKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestLoadConfigValidatesEverything(t *testing.T) {
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"ErrDataKeyMissingWithMySQL": {[]string{"IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:3306)/x"}, "IFUTIAN_DATA_KEY"},
		"ErrDataKeyFormat":           {[]string{"IFUTIAN_DATA_KEY", "short"}, "IFUTIAN_DATA_KEY"},
		"ErrLevelsNotNumbers":        {[]string{"IFUTIAN_POINTS_LEVELS", "0,ten"}, "IFUTIAN_POINTS_LEVELS"},
		"ErrLevelsNotAscending":      {[]string{"IFUTIAN_POINTS_LEVELS", "0,300,100"}, "IFUTIAN_POINTS_LEVELS"},
		"ErrRedisURL":                {[]string{"IFUTIAN_REDIS_URL", "localhost:6379"}, "IFUTIAN_REDIS_URL"},
		"ErrTrustedProxy":            {[]string{"IFUTIAN_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"}, "IFUTIAN_TRUSTED_PROXIES"},
		"ErrTrustedProxyCIDR":        {[]string{"IFUTIAN_TRUSTED_PROXIES", "10.0.0.0/33"}, "IFUTIAN_TRUSTED_PROXIES"},
		"ErrMySQLDSN":                {[]string{"IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:3306", "IFUTIAN_DATA_KEY", testDataKey}, "IFUTIAN_DB"},
		"ErrSendRateTrailing":        {[]string{"IFUTIAN_WECHAT_SEND_RATE", "20/s"}, "IFUTIAN_WECHAT_SEND_RATE"},
		"ErrNegativeDuration":        {[]string{"IFUTIAN_NOTICE_POLL", "-5s"}, "IFUTIAN_NOTICE_POLL"},
		"ErrMemberCodeKeyFormat":     {[]string{"IFUTIAN_MEMBER_CODE_KEY", "c2hvcnQ="}, "IFUTIAN_MEMBER_CODE_KEY"},
		"ErrMemberCodeKeyWithMySQL":  {[]string{"IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:3306)/x", "IFUTIAN_DATA_KEY", testDataKey}, "IFUTIAN_MEMBER_CODE_KEY"},
		"ErrPolicyVersion":           {[]string{"IFUTIAN_PRIVACY_POLICY_VERSION", "第二版"}, "IFUTIAN_PRIVACY_POLICY_VERSION"},
		"ErrLevelNamesCount":         {[]string{"IFUTIAN_POINTS_LEVELS", "0,50,500", "IFUTIAN_POINTS_LEVEL_NAMES", "新芽,绿叶"}, "IFUTIAN_POINTS_LEVEL_NAMES"},
		"ErrLevelNamesDefaultCount":  {[]string{"IFUTIAN_POINTS_LEVEL_NAMES", "新芽,绿叶,大树"}, "IFUTIAN_POINTS_LEVEL_NAMES"},
		"ErrLevelNameEmpty":          {[]string{"IFUTIAN_POINTS_LEVELS", "0,50", "IFUTIAN_POINTS_LEVEL_NAMES", "新芽,"}, "IFUTIAN_POINTS_LEVEL_NAMES"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%v, want it to name %s", err, tc.want)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		c, err := loadConfig(env("IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:3306)/x", "IFUTIAN_DATA_KEY", testDataKey,
			"IFUTIAN_MEMBER_CODE_KEY", testDataKey, "IFUTIAN_POINTS_LEVELS", "0, 50,500", "IFUTIAN_REDIS_URL", "redis://127.0.0.1:6379/0",
			"IFUTIAN_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.7 ,::1", "IFUTIAN_POINTS_LEVEL_NAMES", "新芽, 绿叶,大树",
			"IFUTIAN_PRIVACY_POLICY_VERSION", "2027.1"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Levels, []int64{0, 50, 500}) || !slices.Equal(c.LevelNames, []string{"新芽", "绿叶", "大树"}) || c.PolicyVersion != "2027.1" || len(c.DataKeyBytes) != 32 || len(c.MemberCodeKey) != 32 ||
			!slices.Equal(c.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.7", "::1"}) {
			t.Fatalf("config=%+v", c)
		}
	})
}

// TestBadConfigTouchesNoDatabase: a configuration error stops the program
// before it opens (or creates, or migrates) the database.
func TestBadConfigTouchesNoDatabase(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "never.db")
		for _, args := range [][]string{{"serve"}, {"migrate"}, {"seed"}} {
			err := run(context.Background(), args, env("IFUTIAN_DB", "sqlite:"+path, "IFUTIAN_POINTS_LEVELS", "100,0"), nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "IFUTIAN_POINTS_LEVELS") {
				t.Fatalf("%v: err=%v, want it to name IFUTIAN_POINTS_LEVELS", args, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%v: the database file was made (%v)", args, err)
			}
		}
	})
	t.Run("MySQL", func(t *testing.T) {
		base := os.Getenv(dbtest.EnvMySQL)
		if base == "" {
			t.Skip(dbtest.EnvMySQL + " not set")
		}
		gdb, _ := dbtest.OpenEmpty(t)
		var name string
		if err := gdb.Raw("SELECT DATABASE()").Scan(&name).Error; err != nil {
			t.Fatal(err)
		}
		cfg, err := mysqldriver.ParseDSN(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName = name
		for _, args := range [][]string{{"serve"}, {"migrate"}, {"seed"}, {"staff", "add", "--username", "x", "--roles", "editor"}} {
			err = run(context.Background(), args, env("IFUTIAN_DB", "mysql:"+cfg.FormatDSN()), strings.NewReader("password\n"), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "IFUTIAN_DATA_KEY") {
				t.Fatalf("%v: err=%v, want it to name IFUTIAN_DATA_KEY", args, err)
			}
		}
		var tables int64
		if err := gdb.Raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", name).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("%d tables made before the configuration was checked", tables)
		}
	})
}
