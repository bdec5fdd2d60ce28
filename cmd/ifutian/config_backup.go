package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// BackupConfig is the schedule of serve's backups (IFUTIAN_BACKUP_*).
type BackupConfig struct {
	Every time.Duration // IFUTIAN_BACKUP_EVERY; 0: no scheduled backups
	Dir   string        // IFUTIAN_BACKUP_DIR: where archives are kept
	S3    bool          // IFUTIAN_BACKUP_DIR=s3: in the photos' bucket under backups/
	Keep  int           // IFUTIAN_BACKUP_KEEP: newest archives kept
}

// loadBackupConfig reads IFUTIAN_BACKUP_EVERY, IFUTIAN_BACKUP_DIR and
// IFUTIAN_BACKUP_KEEP, reporting bad values through bad.
func loadBackupConfig(c *Config, getenv func(string) string, bad func(name, format string, args ...any)) {
	b := &c.Backup
	if v := getenv("IFUTIAN_BACKUP_EVERY"); v != "" && v != "off" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			bad("IFUTIAN_BACKUP_EVERY", "%q: want a duration of at least 1m, like 6h, or off", v)
		}
		b.Every = d
	}
	b.Dir = getenv("IFUTIAN_BACKUP_DIR")
	switch {
	case b.Dir == "s3":
		b.S3 = true
		if c.S3.Endpoint == "" {
			bad("IFUTIAN_BACKUP_DIR", "s3 needs the photos' bucket (IFUTIAN_S3_ENDPOINT)")
		}
	case b.Dir == "":
		// Beside the SQLite file; in the working directory with MySQL.
		dir := "."
		if path, ok := strings.CutPrefix(c.DB, "sqlite:"); ok {
			dir = filepath.Dir(path)
		}
		b.Dir = filepath.Join(dir, "ifutian-backups")
	}
	b.Keep = 7
	if v := getenv("IFUTIAN_BACKUP_KEEP"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			bad("IFUTIAN_BACKUP_KEEP", "%q: want a whole number of archives, at least 1", v)
		}
		b.Keep = n
	}
}
