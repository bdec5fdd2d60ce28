package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

var listRegionsOp = op{
	Tag: "residents", Summary: "福田区 10 个街道及其社区、可自选标签",
	Description: "Futian's 10 streets with their communities, and the self tags.",
	Replies:     []reply{ok(residents.Regions{})},
}

func (s *Server) listRegions(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, s.Residents.Regions())
}

var getMeOp = op{
	Tag: "residents", Summary: "我的资料", Description: "My profile.",
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

func (s *Server) getMe(c *gin.Context) {
	r, err := s.Residents.FindByID(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

var updateMeOp = op{
	Tag: "residents", Summary: "修改我的资料",
	Description: "Update my profile, partially: only the fields the body names change, a field left out keeps its value (a PUT " +
		"because wx.request cannot send PATCH). Street and community must be known (GET /regions) and the community must lie in " +
		"the street; setting only a community sets its street. Tags come from self_tags (the list given replaces the old one). " +
		"leaderboard_opt_in opts into the points leaderboards.",
	Body:    residents.Patch{},
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

// updateMe changes the fields of the profile the body names and leaves the
// others as they are (PUT /me: wx.request sends no PATCH, so the partial
// update the contract would spell PATCH is a PUT).
func (s *Server) updateMe(c *gin.Context) {
	var p residents.Patch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.Update(c.Request.Context(), residentID(c), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

var patchMeOp = op{
	Tag: "residents", Summary: "修改我的资料（PATCH 写法）",
	Description: "Deprecated: the same partial update as PUT /api/v1/me, for HTTP clients that send PATCH. The mini program uses " +
		"PUT (wx.request has no PATCH).",
	Body:    residents.Patch{},
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

// patchMe is PATCH /me, the same partial update as PUT /me for HTTP
// clients that send PATCH.
func (s *Server) patchMe(c *gin.Context) { s.updateMe(c) }

// bindPhoneRequest binds a phone number by getPhoneNumber's code.
type bindPhoneRequest struct {
	Code string `json:"code" binding:"required,max=128" doc:"the code of getPhoneNumber" example:"mock-phone:13812345678"`
}

var bindPhoneOp = op{
	Tag: "residents", Summary: "绑定手机号",
	Description: "Bind my phone with a getPhoneNumber code. The number is stored encrypted; only phone_masked is ever shown. " +
		"Fake WeChat: code mock-phone:<11 digits>.",
	Body:    bindPhoneRequest{},
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

func (s *Server) bindPhone(c *gin.Context) {
	var req bindPhoneRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	phone, err := s.WeChat.PhoneNumber(c.Request.Context(), req.Code)
	if err != nil {
		s.fail(c, wechatError(err, "code"))
		return
	}
	r, err := s.Residents.SetPhone(c.Request.Context(), residentID(c), phone)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// consentRequest records a consent to the privacy policy.
type consentRequest struct {
	Version string `json:"version" binding:"required" doc:"the current privacy policy version (GET /api/v1/config)" example:"2026-12"`
}

var consentOp = op{
	Tag: "residents", Summary: "同意隐私政策",
	Description: "Record my consent to the privacy policy. version must be the current version (privacy_policy_version of GET " +
		"/api/v1/config); any other is 400 naming version and nothing is recorded, so a consent always names the text the mini " +
		"program showed.",
	Body:    consentRequest{},
	Replies: []reply{ok(residents.Resident{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

func (s *Server) consent(c *gin.Context) {
	var req consentRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.Consent(c.Request.Context(), residentID(c), req.Version)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

var exportMeOp = op{
	Tag: "residents", Summary: "导出我的全部个人数据",
	Description: "Everything held about me. Profile with full phone, consents, and sections: points ledger and redemptions, " +
		"enterprise bindings, notices read, survey responses. `avatar` tells whether an avatar was uploaded, with a signed link " +
		"to its file. Sent as an attachment (Content-Disposition).",
	Replies: []reply{ok(residents.Export{})},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

func (s *Server) exportMe(c *gin.Context) {
	e, err := s.Residents.Export(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="ifutian-export.json"`)
	c.JSON(http.StatusOK, e)
}

var deleteMeOp = op{
	Tag: "residents", Summary: "注销账号（删除个人信息）",
	Description: "Delete my account. Personal fields are erased, tags and enterprise bindings removed, the points ledger kept " +
		"anonymised; every token of mine stops working.",
	Replies: []reply{noContent()},
	Errors:  []int{http.StatusNotFound}, // my account deleted meanwhile
}

func (s *Server) deleteMe(c *gin.Context) {
	if err := s.Residents.Delete(c.Request.Context(), residentID(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

var getResidentOp = op{
	Tag: "admin-staff", Summary: "One resident (within the caller's street scope); audited",
	Description: "A resident's profile (phone masked), for staff who handle them; the read is audited. A resident outside the " +
		"caller's streets answers 404 like a missing one.",
	Replies: []reply{ok(residents.Resident{})},
}

// getResident shows staff one resident within their street scope. Its
// audit entry records the read of personal data.
func (s *Server) getResident(c *gin.Context) {
	r, err := s.Residents.FindForStaff(c.Request.Context(), actor(c).Scope(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// residentLookupResult is a resident as a look-up shows them to staff: who
// it is, the phone masked, nothing more.
type residentLookupResult struct {
	ID          int64  `json:"id,string"`
	Nickname    string `json:"nickname"`
	PhoneMasked string `json:"phone_masked" example:"138****5678"`
	Street      string `json:"street"`
	Community   string `json:"community"`
}

// lookupResidentRequest names a resident by their bound phone number.
type lookupResidentRequest struct {
	Phone string `json:"phone" binding:"required,max=32" doc:"an 11-digit mainland mobile number" example:"13812345678"`
}

var lookupResidentOp = op{
	Tag: "admin-points", Summary: "Find a resident by phone number",
	Description: "points_officer or dept_admin, to award points or record a deduction. The resident whose bound phone number " +
		"this is (spaces, hyphens and a +86 prefix are ignored), masked; a number nobody bound, or a resident on a street " +
		"outside the caller's scope, is 404. A read of personal data: audited. Throttled per staff member (30 in 10 minutes, " +
		"300 a day): 429 with Retry-After past that.",
	Body:    lookupResidentRequest{},
	Replies: []reply{ok(residentLookupResult{})},
	Errors:  []int{http.StatusNotFound, http.StatusTooManyRequests},
}

// lookupResident finds the resident a phone number is bound to, for an
// award or a deduction. It is a read of personal data (audited) and is
// throttled per staff member, so that numbers cannot be tried in bulk.
func (s *Server) lookupResident(c *gin.Context) {
	m := actor(c)
	if err := s.throttleLookup(c); err != nil {
		s.fail(c, err)
		return
	}
	var req lookupResidentRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.FindByPhoneForStaff(c.Request.Context(), m.Scope(), req.Phone)
	if err != nil {
		s.fail(c, err)
		return
	}
	staff.AuditTarget(c.Request.Context(), "residents", strconv.FormatInt(r.ID, 10))
	auditDetail(c, "found by phone")
	c.JSON(http.StatusOK, residentLookupResult{ID: r.ID, Nickname: r.Nickname, PhoneMasked: r.PhoneMasked, Street: r.Street, Community: r.Community})
}
