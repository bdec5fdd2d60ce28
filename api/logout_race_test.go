package api

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestLogoutRacingRequests: four clients call GET /me without pause while
// the token is revoked; once POST /auth/logout (or DELETE /me) has
// answered, the token gets 401 on this instance, every time. Many trials,
// because the window is small (one in three trials failed in issue #12).
func TestLogoutRacingRequests(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		method, path string
	}{
		"Logout":   {"POST", "/api/v1/auth/logout"},
		"DeleteMe": {"DELETE", "/api/v1/me"},
	} {
		t.Run(name, func(t *testing.T) {
			for trial := range 30 {
				token, _ := e.resident(fmt.Sprintf("racer-%s-%d", name, trial))
				wantStatus(t, e.do("GET", "/api/v1/me", token, nil), http.StatusOK)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
								e.do("GET", "/api/v1/me", token, nil)
							}
						}
					})
				}
				rec := e.do(tc.method, tc.path, token, nil)
				close(stop)
				wg.Wait()
				wantStatus(t, rec, http.StatusNoContent)
				for range 3 {
					if rec := e.do("GET", "/api/v1/me", token, nil); rec.Code != http.StatusUnauthorized {
						t.Fatalf("trial %d: GET /me after %s %s answered: %d %s", trial, tc.method, tc.path, rec.Code, rec.Body.String())
					}
				}
			}
		})
	}
}
