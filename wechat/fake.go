package wechat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fake login and phone codes, as CONTRACT.md defines them.
const (
	fakeLoginPrefix = "mock:"       // "mock:<name>" logs in as openid "mock_<name>"
	fakePhonePrefix = "mock-phone:" // "mock-phone:<11 digits>" yields that number
	fakeOpenIDStart = "mock_"
	// fakeMaxMessages bounds the recorded subscribe messages (the oldest are
	// dropped first), so a long-running fake doesn't grow without end.
	fakeMaxMessages = 100_000
)

// SentMessage is a subscribe message the fake accepted.
type SentMessage struct {
	OpenID     string            `json:"openid"`
	TemplateID string            `json:"template_id"`
	Data       map[string]string `json:"data"`
	Page       string            `json:"page"`
	ReceivedAt time.Time         `json:"received_at"`
}

// Faults makes the fake fail. When FailEvery is N > 0, every Nth WeChat API
// call (token fetches and /fake/ endpoints don't count) fails with ErrCode:
// 500..599 as that HTTP status with a plain-text body, anything else as a
// JSON {"errcode","errmsg"} answer. DelayMS > 0 delays every API call.
// The zero Faults turns faults off.
type Faults struct {
	FailEvery int `json:"fail_every"`
	ErrCode   int `json:"errcode"`
	DelayMS   int `json:"delay_ms"`
}

// Fake is a fake WeChat server API for one or more mini programs, speaking
// WeChat's wire format: jscode2session, cgi-bin/stable_token,
// wxa/business/getuserphonenumber, cgi-bin/message/subscribe/send and
// wxaapi/newtmpl/gettemplate (the account's templates: SetTemplates), plus
// control endpoints under /fake/. Any app id and secret are accepted. It is
// safe for concurrent use.
type Fake struct {
	mux *http.ServeMux

	mu       sync.Mutex
	faults   Faults
	calls    int               // API calls since the faults were last set
	tokens   map[string]string // live access token → app id
	current  map[string]string // app id → its current stable token
	issued   int               // access tokens issued so far
	oneTime  bool              // codes are single-use (40163 when reused)
	used     map[string]bool   // codes used, when oneTime
	messages []SentMessage
	tmpls    []FakeTemplate // the account's subscribe templates

	sec fakeSecurity // content security (fake_security.go)
}

// NewFake returns a Fake with no faults, in which login and phone codes can
// be used any number of times (see SetOneTimeCodes).
func NewFake() *Fake {
	f := &Fake{
		mux:     http.NewServeMux(),
		tokens:  map[string]string{},
		current: map[string]string{},
		used:    map[string]bool{},
		tmpls:   DefaultFakeTemplates(),
	}
	f.mux.HandleFunc("GET /sns/jscode2session", f.api(false, f.code2Session))
	f.mux.HandleFunc("POST /cgi-bin/stable_token", f.stableToken)
	f.mux.HandleFunc("POST /wxa/business/getuserphonenumber", f.api(true, f.phoneNumber))
	f.mux.HandleFunc("POST /cgi-bin/message/subscribe/send", f.api(true, f.sendSubscribe))
	f.mux.HandleFunc("GET /wxaapi/newtmpl/gettemplate", f.api(true, f.listTemplates))
	f.mux.HandleFunc("GET /fake/subscribe-messages", f.listMessages)
	f.mux.HandleFunc("GET /fake/faults", f.getFaults)
	f.mux.HandleFunc("POST /fake/faults", f.postFaults)
	f.mux.HandleFunc("POST /fake/expire-tokens", f.postExpireTokens)
	f.registerSecurity()
	return f
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mux.ServeHTTP(w, r)
}

// Start listens on addr (":0" or "127.0.0.1:0" pick a free port) and serves
// f in a goroutine. It returns the base URL to give InstallHTTPClient and a
// stop function that shuts the server down, waiting for calls in progress
// (delayed ones are cut short) until its context ends.
func (f *Fake) Start(addr string) (baseURL string, stop func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("fake wechat: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() { _ = srv.Serve(ln) }()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	stop = func(sctx context.Context) error {
		cancel()
		return srv.Shutdown(sctx)
	}
	return "http://" + net.JoinHostPort(host, port), stop, nil
}

// Messages returns a copy of every subscribe message accepted, oldest first.
func (f *Fake) Messages() []SentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]SentMessage, len(f.messages))
	copy(out, f.messages)
	return out
}

// SetFaults replaces the faults in effect and restarts the call count, so
// that with FailEvery N the Nth call from now is the first to fail.
func (f *Fake) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
	f.calls = 0
}

// ExpireTokens makes every access token issued so far invalid: the next
// call using one gets 40001, and the next stable_token call issues a new one.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
	clear(f.current)
}

// SetOneTimeCodes makes login and phone codes single-use, as real ones are:
// a code used a second time gets 40163. It is off by default because
// CONTRACT.md lets a client log in as "mock:<name>" again and again.
func (f *Fake) SetOneTimeCodes(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oneTime = on
	clear(f.used)
}

// api wraps an API handler with the delay, the faults and, if needsToken,
// the access-token check every real API call goes through.
func (f *Fake) api(needsToken bool, h func(w http.ResponseWriter, r *http.Request, appID string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		faults := f.faults
		f.calls++
		fail := faults.FailEvery > 0 && faults.ErrCode != 0 && f.calls%faults.FailEvery == 0
		f.mu.Unlock()

		if faults.DelayMS > 0 {
			t := time.NewTimer(time.Duration(faults.DelayMS) * time.Millisecond)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if fail {
			if faults.ErrCode >= 500 && faults.ErrCode <= 599 {
				http.Error(w, http.StatusText(faults.ErrCode), faults.ErrCode)
				return
			}
			writeErr(w, faults.ErrCode)
			return
		}
		appID := r.URL.Query().Get("appid")
		if needsToken {
			token := r.URL.Query().Get("access_token")
			if token == "" {
				writeErr(w, codeMissingToken)
				return
			}
			var ok bool
			f.mu.Lock()
			appID, ok = f.tokens[token]
			f.mu.Unlock()
			if !ok {
				writeErr(w, codeInvalidToken)
				return
			}
		}
		h(w, r, appID)
	}
}

// code2Session answers GET /sns/jscode2session.
func (f *Fake) code2Session(w http.ResponseWriter, r *http.Request, appID string) {
	q := r.URL.Query()
	switch {
	case appID == "":
		writeErr(w, codeMissingAppID)
		return
	case q.Get("secret") == "":
		writeErr(w, codeMissingSecret)
		return
	}
	code := q.Get("js_code")
	name, ok := strings.CutPrefix(code, fakeLoginPrefix)
	if !ok || name == "" {
		writeErr(w, codeInvalidCode)
		return
	}
	if !f.use(code) {
		writeErr(w, codeCodeUsed)
		return
	}
	writeJSON(w, map[string]any{
		"openid":      fakeOpenIDStart + name,
		"session_key": base64.StdEncoding.EncodeToString(randomBytes(16)),
	})
}

// stableToken answers POST /cgi-bin/stable_token. Like WeChat, it hands out
// the app's current token while it is live, and a new one when asked to
// force a refresh (which revokes the old one) or when the old one is gone.
func (f *Fake) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	switch {
	case req.GrantType != "client_credential":
		writeErr(w, codeBadGrantType)
		return
	case req.AppID == "":
		writeErr(w, codeMissingAppID)
		return
	case req.Secret == "":
		writeErr(w, codeMissingSecret)
		return
	}
	f.mu.Lock()
	token, ok := f.current[req.AppID]
	if !ok || req.ForceRefresh {
		delete(f.tokens, token)
		token = "fake_" + hex.EncodeToString(randomBytes(24))
		f.tokens[token] = req.AppID
		f.current[req.AppID] = token
		f.issued++
	}
	f.mu.Unlock()
	// WeChat's real value; the SDK caches for expires_in minus 300 s, so a
	// small value would make a zero or negative TTL.
	writeJSON(w, map[string]any{"access_token": token, "expires_in": 7200})
}

// phoneNumber answers POST /wxa/business/getuserphonenumber.
func (f *Fake) phoneNumber(w http.ResponseWriter, r *http.Request, appID string) {
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	phone, ok := strings.CutPrefix(req.Code, fakePhonePrefix)
	if !ok || !isPhone(phone) {
		writeErr(w, codeInvalidCode)
		return
	}
	if !f.use(req.Code) {
		writeErr(w, codeCodeUsed)
		return
	}
	writeJSON(w, map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     phone,
			"purePhoneNumber": phone,
			"countryCode":     "86",
			"watermark":       map[string]any{"timestamp": time.Now().Unix(), "appid": appID},
		},
	})
}

// sendSubscribe answers POST /cgi-bin/message/subscribe/send.
func (f *Fake) sendSubscribe(w http.ResponseWriter, r *http.Request, _ string) {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	switch {
	case req.ToUser == "":
		writeErr(w, codeInvalidOpenID)
		return
	case req.TemplateID == "":
		writeErr(w, codeInvalidTemplate)
		return
	}
	m := SentMessage{
		OpenID:     req.ToUser,
		TemplateID: req.TemplateID,
		Data:       make(map[string]string, len(req.Data)),
		Page:       req.Page,
		ReceivedAt: time.Now().UTC(),
	}
	for k, v := range req.Data {
		if s, ok := v.Value.(string); ok {
			m.Data[k] = s
		} else if v.Value != nil {
			m.Data[k] = fmt.Sprint(v.Value)
		}
	}
	f.mu.Lock()
	if len(f.messages) >= fakeMaxMessages {
		// Drop the oldest tenth at once rather than copying on every send.
		f.messages = append([]SentMessage(nil), f.messages[fakeMaxMessages/10:]...)
	}
	f.messages = append(f.messages, m)
	msgID := len(f.messages)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID})
}

// listMessages answers GET /fake/subscribe-messages.
func (f *Fake) listMessages(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"items": f.Messages()})
}

// getFaults answers GET /fake/faults with the faults in effect.
func (f *Fake) getFaults(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	faults := f.faults
	f.mu.Unlock()
	writeJSON(w, faults)
}

// postFaults answers POST /fake/faults: the body replaces the faults.
func (f *Fake) postFaults(w http.ResponseWriter, r *http.Request) {
	var faults Faults
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&faults); err != nil {
		http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
		return
	}
	if faults.FailEvery < 0 || faults.DelayMS < 0 {
		http.Error(w, "faults: fail_every and delay_ms must not be negative", http.StatusBadRequest)
		return
	}
	f.SetFaults(faults)
	writeJSON(w, faults)
}

// postExpireTokens answers POST /fake/expire-tokens.
func (f *Fake) postExpireTokens(w http.ResponseWriter, _ *http.Request) {
	f.ExpireTokens()
	writeJSON(w, map[string]any{"ok": true})
}

// use records code as used and reports whether it may be used: always, unless
// codes are one-time and this one was used before.
func (f *Fake) use(code string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.oneTime {
		return true
	}
	if f.used[code] {
		return false
	}
	f.used[code] = true
	return true
}

// tokensIssued returns how many access tokens f has issued.
func (f *Fake) tokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// isPhone reports whether s is 11 ASCII digits.
func isPhone(s string) bool {
	if len(s) != 11 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeErr writes WeChat's JSON error answer for code.
func writeErr(w http.ResponseWriter, code int) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": fakeErrMsg(code)})
}

// fakeErrMsg returns WeChat's errmsg for code.
func fakeErrMsg(code int) string {
	switch code {
	case codeBusy:
		return "system error"
	case codeInvalidToken:
		return "invalid credential, access_token is invalid or not latest"
	case codeBadGrantType:
		return "invalid grant_type"
	case codeInvalidOpenID:
		return "invalid openid"
	case codeBadToken:
		return "invalid access_token"
	case codeInvalidCode:
		return "invalid code"
	case codeInvalidTemplate:
		return "invalid template_id"
	case codeCodeUsed:
		return "code been used"
	case codeMissingToken:
		return "access_token missing"
	case codeMissingAppID:
		return "appid missing"
	case codeMissingSecret:
		return "appsecret missing"
	case codeTokenExpired:
		return "access_token expired"
	case codeNoQuota:
		return "user refuse to accept the msg"
	case codeDailyLimit:
		return "reach max api daily quota limit"
	case codeRateLimit:
		return "api minute-quota reach limit  mustslower  retry next minute"
	}
	return fmt.Sprintf("fake error %d", code)
}

// writeJSON writes v as a 200 JSON answer, as WeChat does even for errors.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// An error here means the client went away; there is no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// StartLocalFake starts a Fake on a free loopback port and points the
// process-global WeChat HTTP client at it (InstallHTTPClient with timeout),
// as the built-in fake of `ifutian serve`, the notify bench and the tests
// use it. stop shuts the Fake down.
func StartLocalFake(timeout time.Duration) (f *Fake, baseURL string, stop func(context.Context) error, err error) {
	f = NewFake()
	baseURL, stop, err = f.Start("127.0.0.1:0")
	if err != nil {
		return nil, "", nil, fmt.Errorf("start fake WeChat: %w", err)
	}
	InstallHTTPClient(baseURL, timeout)
	return f, baseURL, stop, nil
}
