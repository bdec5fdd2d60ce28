package api

import (
	"image/color"
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// idorRequests are the 民意速办 objects of the IDOR world: A's request R
// with a photo at department X (华富街道), and A's answered request Q.
type idorRequests struct {
	r, q           string // request IDs
	rVersion       int64
	qVersion       int64
	handlerX       string // request officers: X, Y, X on 莲花街道
	handlerY       string
	handlerXStreet string
	uploadToken    string // the token of R's photo upload
	entry          string // a draft knowledge entry of X (idor_issue25_test.go)
	// The work order: a dispatch centre limited to 莲花街道 (R is in
	// 华富街道), X's head on 莲花街道, and a supervision letter on R.
	centreStreet string
	headXStreet  string
	letter       string
}

func (w *idorWorld) setUpRequests(x, y int64) {
	e := w.env
	e.routeTo("noise", x)
	w.req.handlerX, _ = e.requestOfficer(x)
	w.req.handlerY, _ = e.requestOfficer(y)
	w.req.handlerXStreet, _ = e.requestOfficer(x, "莲花街道")
	w.req.uploadToken = e.uploadToken(w.a, solidJPEG(w.t, 16, 16, color.White))
	r := e.submitRequest(w.a, "noise", "华富街道", map[string]any{"photos": []string{w.req.uploadToken}, "contact": "13800000000"})
	q := e.submitRequest(w.a, "noise", "华富街道", nil)
	a := e.act(w.req.handlerX, q.ID, "accept", map[string]any{"version": q.Version}, http.StatusOK)
	ans := e.act(w.req.handlerX, q.ID, "answer", map[string]any{"version": a.Version, "answer": "已处理"}, http.StatusOK)
	w.req.r, w.req.rVersion, w.req.q, w.req.qVersion = itoa(r.ID), r.Version, itoa(q.ID), ans.Version
	w.setUpIssue25()
	w.req.centreStreet, _ = e.stafferIn(nil, []staff.Role{staff.Dispatcher}, "莲花街道")
	w.req.headXStreet, _ = e.stafferIn(&x, []staff.Role{staff.DeptAdmin}, "莲花街道")
	centre, _ := e.stafferIn(nil, []staff.Role{staff.Dispatcher})
	rec := e.do("POST", "/api/v1/admin/dispatch/requests/"+w.req.r+"/supervise", centre,
		map[string]any{"instruction": "请报告", "due_at": "2030-01-01T18:00:00+08:00"})
	wantStatus(w.t, rec, http.StatusOK)
	var sv requests.StaffView
	decode(w.t, rec, &sv)
	w.req.letter = itoa(sv.Supervisions[0].ID)
}

func idorRequestCases() map[string]idorCase {
	const v1 = "/api/v1"
	outsiders := func(w *idorWorld) []string { return []string{w.req.handlerY, w.req.handlerXStreet} }
	transition := func(action string, body func(w *idorWorld) map[string]any) idorCase {
		return idorCase{
			owner: "request officers of X covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range outsiders(w) {
					wantError(t, w.do("POST", v1+"/admin/requests/"+w.req.r+"/"+action, tok, body(w)), http.StatusNotFound, "not_found", "")
				}
				wantError(t, w.do("POST", v1+"/admin/requests/"+w.req.r+"/"+action, w.a, body(w)), http.StatusForbidden, "permission_denied", "")
			},
		}
	}
	version := func(w *idorWorld) map[string]any { return map[string]any{"version": w.req.rVersion} }
	// The dispatch centre's routes: a centre limited to other streets gets
	// 404, a unit's officer and a resident 403.
	centre := func(method, suffix string, body func(w *idorWorld) map[string]any) idorCase {
		return idorCase{
			owner: "the dispatch centre (requests.dispatch) covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				path := v1 + "/admin/dispatch/requests/" + w.req.r + suffix
				wantError(t, w.do(method, path, w.req.centreStreet, body(w)), http.StatusNotFound, "not_found", "")
				for _, tok := range []string{w.req.handlerX, w.a} {
					wantError(t, w.do(method, path, tok, body(w)), http.StatusForbidden, "permission_denied", "")
				}
			},
		}
	}
	none := func(*idorWorld) map[string]any { return nil }
	districtOnly := func(method, path string, body any) idorCase {
		return idorCase{
			owner: "the district (requests.admin: superadmin)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.req.handlerX, w.editorX} {
					wantError(t, w.do(method, v1+path, tok, body), http.StatusForbidden, "permission_denied", "")
				}
			},
		}
	}
	return map[string]idorCase{
		"GET " + v1 + "/requests/:id": {
			owner: "A, whose request it is",
			attack: func(t *testing.T, w *idorWorld) {
				wantError(t, w.do("GET", v1+"/requests/"+w.req.r, w.b, nil), http.StatusNotFound, "not_found", "")
			},
		},
		"GET " + v1 + "/requests/:id/photos/:n": {
			owner: "A",
			attack: func(t *testing.T, w *idorWorld) {
				wantError(t, w.do("GET", v1+"/requests/"+w.req.r+"/photos/1", w.b, nil), http.StatusNotFound, "not_found", "")
			},
		},
		"POST " + v1 + "/requests/:id/rating": {
			owner: "A",
			attack: func(t *testing.T, w *idorWorld) {
				wantError(t, w.do("POST", v1+"/requests/"+w.req.q+"/rating", w.b, map[string]any{"rating": 1, "reopen": true}), http.StatusNotFound, "not_found", "")
			},
		},
		"GET " + v1 + "/admin/requests/:id": {
			owner: "request officers of X covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range outsiders(w) {
					wantError(t, w.do("GET", v1+"/admin/requests/"+w.req.r, tok, nil), http.StatusNotFound, "not_found", "")
					rec := w.do("GET", v1+"/admin/requests?page_size=100", tok, nil)
					wantStatus(t, rec, http.StatusOK)
					if strings.Contains(rec.Body.String(), `"id":"`+w.req.r+`"`) {
						t.Fatalf("an outsider's queue lists R: %s", rec.Body.String())
					}
				}
			},
		},
		"GET " + v1 + "/admin/requests/:id/photos/:n": {
			owner: "request officers of X covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range outsiders(w) {
					wantError(t, w.do("GET", v1+"/admin/requests/"+w.req.r+"/photos/1", tok, nil), http.StatusNotFound, "not_found", "")
				}
			},
		},
		"POST " + v1 + "/admin/requests/:id/accept": transition("accept", version),
		"POST " + v1 + "/admin/requests/:id/start":  transition("start", version),
		"POST " + v1 + "/admin/requests/:id/answer": transition("answer", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "answer": "x"}
		}),
		"POST " + v1 + "/admin/requests/:id/transfer": transition("transfer", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "department_id": itoa(w.dept), "reason": "x"}
		}),
		"POST " + v1 + "/admin/requests/:id/sign": transition("sign", version),
		"POST " + v1 + "/admin/requests/:id/return": transition("return", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "reason_code": "not_our_duty", "reason": "x"}
		}),
		"POST " + v1 + "/admin/requests/:id/extension": transition("extension", func(w *idorWorld) map[string]any {
			return map[string]any{"days": 2, "reason": "x"}
		}),
		"GET " + v1 + "/admin/dispatch/requests/:id": centre("GET", "", none),
		"POST " + v1 + "/admin/dispatch/requests/:id/dispatch": centre("POST", "/dispatch", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "department_id": itoa(w.dept)}
		}),
		"POST " + v1 + "/admin/dispatch/requests/:id/refuse-return": centre("POST", "/refuse-return", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "note": "x"}
		}),
		"POST " + v1 + "/admin/dispatch/requests/:id/extension-decision": centre("POST", "/extension-decision", func(w *idorWorld) map[string]any {
			return map[string]any{"approve": true}
		}),
		"POST " + v1 + "/admin/dispatch/requests/:id/urge": centre("POST", "/urge", func(w *idorWorld) map[string]any {
			return map[string]any{"note": "x"}
		}),
		"POST " + v1 + "/admin/dispatch/requests/:id/supervise": centre("POST", "/supervise", func(w *idorWorld) map[string]any {
			return map[string]any{"instruction": "x", "due_at": "2030-01-01T18:00:00+08:00"}
		}),
		"POST " + v1 + "/admin/dispatch/requests/:id/callback": centre("POST", "/callback", func(w *idorWorld) map[string]any {
			return map[string]any{"version": w.req.rVersion, "result": "satisfied"}
		}),
		"POST " + v1 + "/admin/supervisions/:id/answer": {
			owner: "the head (dept_admin) of X covering 华富街道",
			attack: func(t *testing.T, w *idorWorld) {
				path := v1 + "/admin/supervisions/" + w.req.letter + "/answer"
				for _, tok := range []string{w.adminY, w.req.headXStreet} {
					wantError(t, w.do("POST", path, tok, map[string]any{"answer": "x"}), http.StatusNotFound, "not_found", "")
				}
				for _, tok := range []string{w.req.handlerX, w.a} {
					wantError(t, w.do("POST", path, tok, map[string]any{"answer": "x"}), http.StatusForbidden, "permission_denied", "")
				}
			},
		},
		"PUT " + v1 + "/admin/request-guides/:code": {
			owner: "the dispatch centre (requests.duties)",
			attack: func(t *testing.T, w *idorWorld) {
				for _, tok := range []string{w.req.handlerX, w.editorX} {
					wantError(t, w.do("PUT", v1+"/admin/request-guides/noise", tok, map[string]any{"guide": "x", "sign_hours": 9}), http.StatusForbidden, "permission_denied", "")
				}
			},
		},
		"GET " + v1 + "/wechat/media/:token": {
			owner: "WeChat, while a check of the photo waits (none does here)",
			attack: func(t *testing.T, w *idorWorld) {
				// Neither the upload token nor any other guess serves the photo.
				for _, tok := range []string{w.req.uploadToken, strings.Repeat("0", 64), "1"} {
					wantError(t, w.do("GET", v1+"/wechat/media/"+tok, "", nil), http.StatusNotFound, "not_found", "")
				}
			},
		},
		"GET " + v1 + "/media/:kind/:id": {
			owner: "whoever holds the link the API signed for that one picture, until it expires",
			attack: func(t *testing.T, w *idorWorld) {
				// A's own link, bent towards other files: another ID, an
				// avatar of the same ID, another size; and no link at all.
				rec := w.do("GET", v1+"/requests/"+w.req.r, w.a, nil)
				wantStatus(t, rec, http.StatusOK)
				var v struct {
					Photos []struct {
						URL string `json:"url"`
					} `json:"photos"`
				}
				decode(t, rec, &v)
				link := v.Photos[0].URL
				path, query, _ := strings.Cut(strings.TrimPrefix(link, v1), "?")
				id := path[strings.LastIndex(path, "/")+1:]
				other := itoa(mustAtoi(t, id) + 1)
				for _, forged := range []string{
					"/media/photos/" + other + "?" + query,
					"/media/avatars/" + id + "?" + query,
					path + "?" + query + "&size=thumb",
					path + "?exp=1&sig=x",
				} {
					for _, tok := range []string{"", w.b, w.req.handlerY} {
						wantError(t, w.do("GET", v1+forged, tok, nil), http.StatusForbidden, "permission_denied", "")
					}
				}
			},
		},
		"GET " + v1 + "/media/images/:name": {
			owner: "public: rewards' and activities' pictures by their names; nothing else is served from there",
			attack: func(t *testing.T, w *idorWorld) {
				// The names of a request's photo and thumbnail, which are
				// stored under other prefixes, find nothing here.
				var keys []string
				if err := w.db.Table("request_photos").Where("request_id IS NOT NULL").Pluck("storage_key", &keys).Error; err != nil || len(keys) == 0 {
					t.Fatalf("photo keys %v %v", keys, err)
				}
				for _, k := range keys {
					_, name, _ := strings.Cut(k, "/")
					for _, tok := range []string{"", w.a} {
						wantError(t, w.do("GET", v1+"/media/images/"+name, tok, nil), http.StatusNotFound, "not_found", "")
					}
				}
			},
		},
		"PUT " + v1 + "/admin/request-categories/:code":    districtOnly("PUT", "/admin/request-categories/noise", map[string]any{"name": "x", "deadline_days": 1}),
		"DELETE " + v1 + "/admin/request-routes/:category": districtOnly("DELETE", "/admin/request-routes/noise", nil),
		"PUT " + v1 + "/admin/holidays/:day":               districtOnly("PUT", "/admin/holidays/2026-12-25", map[string]any{"kind": "holiday"}),
		"DELETE " + v1 + "/admin/holidays/:day":            districtOnly("DELETE", "/admin/holidays/2026-12-25", nil),
	}
}
