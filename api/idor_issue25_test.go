package api

import (
	"net/http"
	"testing"

	"github.com/futian/ifutian/knowledge"
)

// idorIssue25Cases: issue 25's routes with a path parameter. The request
// routes reach A's request R at department X (华富街道); the knowledge
// routes an entry of X written by X's desk; the enterprise routes E1, of
// which A is an approved member and B a pending one.
func idorIssue25Cases() map[string]idorCase {
	const v1 = "/api/v1"
	outsiders := func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet} }
	onR := func(method, action string, body func(w *idorWorld) map[string]any) idorCase {
		return idorCase{
			owner: "request officers of X covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				var b any
				for _, tok := range outsiders(w) {
					if body != nil {
						b = body(w)
					}
					wantError(t, w.do(method, v1+"/admin/requests/"+w.req.r+"/"+action, tok, b), http.StatusNotFound, "not_found", "")
				}
				wantError(t, w.do(method, v1+"/admin/requests/"+w.req.r+"/"+action, w.a, b), http.StatusForbidden, "permission_denied", "")
			},
		}
	}
	onEntry := func(method string, body any) idorCase {
		return idorCase{
			owner: "members of X with knowledge.manage (its desks, its admin); a street limit does not apply",
			attack: func(t *testing.T, w *idorWorld) {
				id := w.req.entry
				wantError(t, w.do(method, v1+"/admin/knowledge/"+id, w.req.handlerY, body), http.StatusNotFound, "not_found", "")
				wantError(t, w.do(method, v1+"/admin/knowledge/"+id, w.editorX, body), http.StatusForbidden, "permission_denied", "")
				wantError(t, w.do(method, v1+"/admin/knowledge/"+id, w.a, body), http.StatusForbidden, "permission_denied", "")
			},
		}
	}
	return map[string]idorCase{
		"GET " + v1 + "/admin/requests/:id/merge-candidates": onR("GET", "merge-candidates", nil),
		"POST " + v1 + "/admin/requests/:id/merge": onR("POST", "merge", func(w *idorWorld) map[string]any {
			return map[string]any{"duplicate_ids": []string{w.req.q}, "reason": "同一事项"}
		}),
		"POST " + v1 + "/admin/requests/:id/unmerge": onR("POST", "unmerge", func(*idorWorld) map[string]any { return map[string]any{"reason": "x"} }),
		"POST " + v1 + "/admin/requests/:id/referral": onR("POST", "referral", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "uscc": w.e1}
		}),
		"GET " + v1 + "/admin/knowledge/:id":    onEntry("GET", nil),
		"PUT " + v1 + "/admin/knowledge/:id":    onEntry("PUT", map[string]any{"question": "改", "answer": "改", "version": 1}),
		"DELETE " + v1 + "/admin/knowledge/:id": onEntry("DELETE", nil),
		"GET " + v1 + "/knowledge/:id": {
			owner: "public: published entries valid today; a draft is found by nobody",
			attack: func(t *testing.T, w *idorWorld) {
				id := w.req.entry
				for _, tok := range []string{"", w.a, w.req.handlerX} {
					wantError(t, w.do("GET", v1+"/knowledge/"+id, tok, nil), http.StatusNotFound, "not_found", "")
				}
			},
		},
		"GET " + v1 + "/enterprises/:uscc/referrals": {
			owner: "the enterprise's approved members (A for E1)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.b, w.n} { // pending, and none
					wantError(t, w.do("GET", v1+"/enterprises/"+w.e1+"/referrals", tok, nil), http.StatusForbidden, "permission_denied", "")
				}
				wantError(t, w.do("GET", v1+"/enterprises/"+w.e2+"/referrals", w.a, nil), http.StatusForbidden, "permission_denied", "")
			},
		},
		"POST " + v1 + "/enterprises/:uscc/referrals/:id/response": {
			owner: "the approved members of the enterprise the request was referred to",
			attack: func(t *testing.T, w *idorWorld) {
				body := map[string]any{"resolved": true, "response": "已整改"}
				for _, tok := range []string{w.b, w.n} {
					wantError(t, w.do("POST", v1+"/enterprises/"+w.e1+"/referrals/"+w.req.r+"/response", tok, body), http.StatusForbidden, "permission_denied", "")
				}
				// A member of E1, about a request not referred to it.
				wantError(t, w.do("POST", v1+"/enterprises/"+w.e1+"/referrals/"+w.req.q+"/response", w.a, body), http.StatusNotFound, "not_found", "")
			},
		},
	}
}

// setUpIssue25 writes a draft knowledge entry of X through X's desk.
func (w *idorWorld) setUpIssue25() {
	rec := w.do("POST", "/api/v1/admin/knowledge", w.req.handlerX, map[string]any{"question": "IDOR 条目", "answer": "仅 X 可改"})
	wantStatus(w.t, rec, http.StatusCreated)
	var k knowledge.Entry
	decode(w.t, rec, &k)
	w.req.entry = itoa(k.ID)
}
