package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Received is a text message the fake accepted.
type Received struct {
	Phone      string    `json:"phone"` // as sent, +86…
	TemplateID string    `json:"template_id"`
	SignName   string    `json:"sign_name"`
	Params     []string  `json:"params"`
	ReceivedAt time.Time `json:"received_at"`
}

// Faults makes the fake fail. When FailEvery is N > 0, every Nth SendSms
// fails with Code: "HTTP5xx" as that HTTP status, a code starting with
// "LimitExceeded.PhoneNumber" or "FailedOperation.Phone" or
// "InvalidParameterValue" in the number's SendStatus (as Tencent Cloud
// answers those), anything else as the request's Response.Error. DelayMS
// delays every call.
type Faults struct {
	FailEvery int    `json:"fail_every"`
	Code      string `json:"code"`
	DelayMS   int    `json:"delay_ms"`
}

// Fake is a fake Tencent Cloud SMS API (SendSms, version 2021-01-11):
// requests are POSTed to / as JSON, named by X-TC-Action and signed with
// TC3-HMAC-SHA256 (the fake checks the header's form, not the signature),
// plus GET /fake/sms (every message accepted) and POST /fake/faults. It is
// safe for concurrent use.
type Fake struct {
	mu       sync.Mutex
	faults   Faults
	calls    int
	received []Received
}

// NewFake returns a Fake with no faults.
func NewFake() *Fake { return &Fake{} }

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/fake/sms":
		writeJSON(w, map[string]any{"items": f.Messages()})
	case r.Method == http.MethodPost && r.URL.Path == "/fake/faults":
		var faults Faults
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&faults); err != nil || faults.FailEvery < 0 || faults.DelayMS < 0 {
			http.Error(w, "faults: want {fail_every, code, delay_ms}, none negative", http.StatusBadRequest)
			return
		}
		f.SetFaults(faults)
		writeJSON(w, faults)
	case r.Method == http.MethodPost && r.URL.Path == "/":
		f.api(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Messages returns a copy of every message accepted, oldest first.
func (f *Fake) Messages() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Received(nil), f.received...)
}

// SetFaults replaces the faults and restarts the call count.
func (f *Fake) SetFaults(faults Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults, f.calls = faults, 0
}

func (f *Fake) api(w http.ResponseWriter, r *http.Request) {
	requestID := newID()
	apiErr := func(code, msg string) {
		writeJSON(w, map[string]any{"Response": map[string]any{"Error": map[string]any{"Code": code, "Message": msg}, "RequestId": requestID}})
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 Credential=") || r.Header.Get("X-TC-Timestamp") == "" {
		apiErr("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" {
		apiErr("InvalidAction", "The requested action does not exist.")
		return
	}
	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		SignName         string
		TemplateId       string
		TemplateParamSet []string
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		apiErr("InvalidParameter", "The request body is not valid JSON.")
		return
	}
	if req.SmsSdkAppId == "" || req.TemplateId == "" || len(req.PhoneNumberSet) == 0 || len(req.PhoneNumberSet) > 200 {
		apiErr("MissingParameter", "SmsSdkAppId, TemplateId and 1–200 numbers are required.")
		return
	}
	f.mu.Lock()
	faults := f.faults
	f.calls++
	fail := faults.FailEvery > 0 && faults.Code != "" && f.calls%faults.FailEvery == 0
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
	perNumber := strings.HasPrefix(faults.Code, "LimitExceeded.PhoneNumber") || strings.HasPrefix(faults.Code, "FailedOperation.Phone") ||
		strings.HasPrefix(faults.Code, "InvalidParameterValue")
	if fail && strings.HasPrefix(faults.Code, "HTTP5") {
		http.Error(w, "fake failure", http.StatusBadGateway)
		return
	}
	if fail && !perNumber {
		apiErr(faults.Code, "fake failure")
		return
	}
	var set []map[string]any
	now := time.Now().UTC()
	for _, p := range req.PhoneNumberSet {
		code, msg := "Ok", "send success"
		if fail {
			code, msg = faults.Code, "fake failure"
		} else if !strings.HasPrefix(p, "+") {
			code, msg = "InvalidParameterValue.IncorrectPhoneNumber", "invalid number"
		}
		if code == "Ok" {
			f.mu.Lock()
			f.received = append(f.received, Received{Phone: p, TemplateID: req.TemplateId, SignName: req.SignName,
				Params: append([]string{}, req.TemplateParamSet...), ReceivedAt: now})
			f.mu.Unlock()
		}
		set = append(set, map[string]any{"SerialNo": newID(), "PhoneNumber": p, "Fee": 1, "SessionContext": "",
			"Code": code, "Message": msg, "IsoCode": "CN"})
	}
	writeJSON(w, map[string]any{"Response": map[string]any{"SendStatusSet": set, "RequestId": requestID}})
}

// Start listens on addr and serves f; it returns the base URL for
// Config.URL and a stop function.
func (f *Fake) Start(addr string) (baseURL string, stop func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("fake sms: %w", err)
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), srv.Shutdown, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
