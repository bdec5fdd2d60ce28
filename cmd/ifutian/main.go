// Command ifutian runs the i福田 backend.
//
//	ifutian serve                 serve the API (migrations run first)
//	ifutian migrate               apply database migrations and exit
//	ifutian staff add ...         create a staff member (password on stdin)
//	ifutian seed [--demo]         load the starter data (and demo accounts)
//	ifutian fake-wechat           run the fake WeChat server on IFUTIAN_ADDR
//	ifutian fake-sms              run the fake Tencent Cloud SMS server on IFUTIAN_ADDR
//	ifutian bench <scenario>      measure throughput against IFUTIAN_DB (points, notify, activities);
//	                              built only with -tags bench
//	ifutian points reconcile      check every points account against its ledger
//	ifutian openapi               print the OpenAPI document (console/openapi.json)
//	ifutian backup                write a backup archive (SQLite and photos)
//	ifutian restore <archive>     restore an archive into an empty target, then check it
//	ifutian healthcheck           GET /healthz of the server on IFUTIAN_ADDR (container HEALTHCHECK)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ifutian:", err)
		os.Exit(1)
	}
}

const usage = `usage: ifutian <command> [arguments]

commands:
  serve                      serve the API on IFUTIAN_ADDR (default :8080)
  migrate                    apply database migrations and exit
  staff add                  create a staff member; password read from stdin
  seed [--demo]              load starter data; --demo adds demo accounts
  fake-wechat                run the fake WeChat server on IFUTIAN_ADDR
  fake-sms                   run the fake Tencent Cloud SMS server on IFUTIAN_ADDR
  bench <scenario>           measure against IFUTIAN_DB: points, notify or activities
                             (only in a build with -tags bench)
  points reconcile           check balances against the ledger
  openapi                    print the OpenAPI document the server serves
  backup [--out F|DIR|s3]    write a backup archive (SQLite database and photos)
  restore <archive>          restore an archive into an empty database and photo store
  healthcheck                exit 0 if the server on IFUTIAN_ADDR answers /healthz

configuration is read from IFUTIAN_* environment variables (see README.md).`

// errUsage marks a command-line mistake.
var errUsage = errors.New(usage)

// run is the whole program; tests call it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log, nil)
	case "migrate":
		gdb, err := openDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		sqlDB, _ := gdb.DB()
		fmt.Fprintln(stdout, "migrations up to date")
		return sqlDB.Close()
	case "staff":
		return staffCommand(ctx, cfg, log, args[1:], stdin, stdout)
	case "seed":
		return seedCommand(ctx, cfg, log, args[1:], stdout)
	case "fake-wechat":
		return fakeWeChat(ctx, cfg, log)
	case "fake-sms":
		return fakeSMS(ctx, cfg, log)
	case "bench":
		return benchCommand(ctx, cfg, log, args[1:], stdout)
	case "points":
		return pointsCommand(ctx, cfg, log, args[1:], stdout)
	case "openapi":
		return openapiCommand(stdout)
	case "backup":
		return backupCommand(ctx, cfg, log, args[1:], stdout)
	case "restore":
		return restoreCommand(ctx, cfg, log, args[1:], stdout)
	case "healthcheck":
		return healthcheck(ctx, cfg, args[1:])
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%w", args[0], errUsage)
}
