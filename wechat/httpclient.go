package wechat

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// apiHost is the host of every WeChat server API this package calls.
const apiHost = "api.weixin.qq.com"

// InstallHTTPClient replaces the SDK's util.DefaultHTTPClient, which every
// WeChat request of every Client goes through, with a new *http.Client with
// the given timeout. If fakeBaseURL is not empty (e.g.
// "http://127.0.0.1:9090"), requests for api.weixin.qq.com are sent there
// instead, so that a Fake answers them.
//
// The setting is process-global: call it once at start-up, before any
// Client is used, and not concurrently with WeChat calls. Tests that need
// different settings can't run in parallel. http.DefaultClient is never
// touched. It panics if fakeBaseURL is not an absolute http or https URL.
func InstallHTTPClient(fakeBaseURL string, timeout time.Duration) {
	client := &http.Client{Timeout: timeout}
	if fakeBaseURL != "" {
		u, err := url.Parse(fakeBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic(fmt.Sprintf("wechat: InstallHTTPClient: %q is not an http(s) base URL", fakeBaseURL))
		}
		client.Transport = &rewriteTransport{base: http.DefaultTransport, target: u}
	}
	util.DefaultHTTPClient = client
}

// rewriteTransport sends requests for apiHost to target instead.
type rewriteTransport struct {
	base   http.RoundTripper
	target *url.URL
}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != apiHost {
		return t.base.RoundTrip(r)
	}
	// A RoundTripper must not modify the caller's request.
	r = r.Clone(r.Context())
	r.URL.Scheme = t.target.Scheme
	r.URL.Host = t.target.Host
	r.URL.Path = strings.TrimSuffix(t.target.Path, "/") + r.URL.Path
	r.URL.RawPath = ""
	r.Host = t.target.Host
	return t.base.RoundTrip(r)
}
