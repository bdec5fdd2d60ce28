package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/futian/ifutian/wechat"
)

// serve runs the API and the background workers until ctx is done, then
// shuts down gracefully. If ready is not nil it receives the listening
// address once the server accepts connections (tests use ":0").
func serve(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- string) error {
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("IFUTIAN_ADDR %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports stream large files
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	a.pointFakeAt(ln.Addr())
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { runTasks(workCtx, a.tasks, log, a.taskMetrics) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "db", dbKind(cfg.DB))
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		stopWork()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopWork()
	wg.Wait()
	return err
}

func dbKind(dsn string) string {
	for i, r := range dsn {
		if r == ':' {
			return dsn[:i]
		}
	}
	return dsn
}

// fakeWeChat serves the fake WeChat on IFUTIAN_ADDR so several servers
// can share it through IFUTIAN_WECHAT_URL.
func fakeWeChat(ctx context.Context, cfg Config, log *slog.Logger) error {
	fake := wechat.NewFake()
	url, stop, err := fake.Start(cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("fake WeChat serving", "url", url)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return stop(shutdownCtx)
}

// pointFakeAt lets the built-in fake WeChat check photos as WeChat does:
// it fetches them from this server (IFUTIAN_PUBLIC_URL, else the listening
// address) and pushes its verdicts back, signed with the push token.
func (a *instance) pointFakeAt(addr net.Addr) {
	if a.fake == nil {
		return
	}
	base := a.cfg.PublicURL
	if base == "" {
		host, port, _ := net.SplitHostPort(addr.String())
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		base = "http://" + net.JoinHostPort(host, port)
		a.mediaBase.Store(&base)
	}
	a.fake.SetPush(base+"/api/v1/wechat/push", a.cfg.PushToken)
}
