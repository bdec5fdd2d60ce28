package api

import (
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

// routes is the whole route table. Every /admin route names the permission
// it needs (staff.Policy decides who holds it); the route-by-role test walks
// this table, so a new admin route without a permission fails it.
func (s *Server) routes() {
	e := s.engine
	e.Use(s.recoverPanics, withRequestID, s.measure, s.logRequests, secureHeaders, limitBody, s.checkUTF8, s.formatTimes)
	e.NoRoute(s.serveConsole) // the console's files under /console/, else the contract's 404
	e.NoMethod(methodNotAllowed)

	root := &e.RouterGroup
	s.handle(root, public, http.MethodGet, "/healthz", healthzOp, s.healthz)
	s.handle(root, public, http.MethodGet, "/readyz", readyzOp, s.readyz)
	if s.Metrics != nil {
		s.handle(root, public, http.MethodGet, "/metrics", serveMetricsOp, s.opsOnly, s.serveMetrics)
	} else {
		s.document(http.MethodGet, "/metrics", public, "", serveMetricsOp, s.serveMetrics) // described all the same: 404 here
	}
	if !s.DisableDocs {
		s.handle(root, public, http.MethodGet, "/openapi.json", serveSpecOp, s.opsOnly, s.serveSpec)
		s.handle(root, public, http.MethodGet, "/docs", serveDocsOp, s.opsOnly, s.serveDocs)
		s.handle(root, public, http.MethodGet, "/docs/:file", serveDocsAssetOp, s.serveDocsAsset)
	}

	v1 := e.Group("/api/v1")
	authed := v1.Group("", s.authenticate)
	me := authed.Group("", s.residentOnly)
	adm := authed.Group("", s.staffOnly)
	// open, signedIn, mine and staffed register a route under v1 (no
	// token), authed (any token), me (a resident's) and adm (a staff
	// member's, no permission beyond it) with its document (contract.go);
	// a route without one is still described in api/openapi/*.json while
	// its module moves over.
	reg := func(g *gin.RouterGroup, kind routeKind) func(method, path string, h gin.HandlerFunc, doc ...op) {
		return func(method, p string, h gin.HandlerFunc, doc ...op) {
			g.Handle(method, p, h)
			if len(doc) > 0 {
				s.document(method, path.Join(g.BasePath(), p), kind, "", doc[0], h)
			}
		}
	}
	open, signedIn, mine, staffed := reg(v1, public), reg(authed, signedIn), reg(me, resident), reg(adm, staffer)
	_, _, _, _ = open, signedIn, mine, staffed
	open(http.MethodPost, "/auth/wechat-login", s.wechatLogin, wechatLoginOp)
	open(http.MethodPost, "/auth/staff-login", s.staffLogin, staffLoginOp)
	open(http.MethodGet, "/regions", s.listRegions, listRegionsOp)
	open(http.MethodGet, "/config", s.getClientConfig, getClientConfigOp) // what the mini program needs of the configuration
	open(http.MethodGet, "/points/rules", s.listRules, listRulesOp)
	v1.GET("/enterprises/:uscc/rating", s.publicRating)
	v1.GET("/requests/public", s.listPublicRequests)
	v1.GET("/requests/categories", s.listRequestCategories)
	open(http.MethodGet, "/knowledge", s.searchKnowledge, searchKnowledgeOp)
	open(http.MethodGet, "/knowledge/:id", s.getKnowledge, getKnowledgeOp)
	// WeChat's message push (content-check verdicts), signed with PushToken,
	// and the photos it fetches to check, by the check's unguessable token.
	open(http.MethodGet, "/wechat/push", s.verifyWeChatPush, verifyWeChatPushOp)
	open(http.MethodPost, "/wechat/push", s.receiveWeChatPush, receiveWeChatPushOp)
	open(http.MethodGet, "/wechat/media/:token", s.serveCheckMedia, serveCheckMediaOp)
	// Photos and avatars by their signed links, for <image>, which sends no
	// header: the signature names the one picture and the link's expiry.
	open(http.MethodGet, "/media/:kind/:id", s.serveMediaLink, serveMediaLinkOp)
	// Rewards' and activities' pictures (public content) by unsigned links,
	// each naming one file that is never rewritten: cacheable for good.
	open(http.MethodGet, "/media/images/:name", s.servePublicImage, servePublicImageOp)

	signedIn(http.MethodPost, "/auth/logout", s.logout, logoutOp)
	s.handle(authed, staffer, http.MethodPost, "/auth/change-password", changePasswordOp, s.staffOnly, s.audited(false), s.changePassword) // a staff member's own password

	mine(http.MethodGet, "/home", s.getHome, getHomeOp) // the home screen in one read
	mine(http.MethodGet, "/me", s.getMe, getMeOp)
	mine(http.MethodPut, "/me", s.updateMe, updateMeOp) // partial: fields left out are unchanged (wx.request has no PATCH)
	mine(http.MethodPatch, "/me", s.patchMe, patchMeOp) // the same, for HTTP clients that send PATCH
	mine(http.MethodDelete, "/me", s.deleteMe, deleteMeOp)
	mine(http.MethodPost, "/me/avatar", s.uploadAvatar, uploadAvatarOp)
	mine(http.MethodPost, "/me/phone", s.bindPhone, bindPhoneOp)
	mine(http.MethodPost, "/me/consent", s.consent, consentOp)
	mine(http.MethodGet, "/me/export", s.exportMe, exportMeOp)
	mine(http.MethodPost, "/me/subscriptions", s.saveSubscriptions, saveSubscriptionsOp)
	mine(http.MethodGet, "/me/subscriptions", s.listSubscriptions, listSubscriptionsOp)

	mine(http.MethodGet, "/points/account", s.getAccount, getAccountOp)
	mine(http.MethodGet, "/points/transactions", s.listTransactions, listTransactionsOp)
	mine(http.MethodGet, "/points/leaderboard", s.leaderboard, leaderboardOp)
	mine(http.MethodPost, "/points/appeals", s.createAppeal, createAppealOp)
	mine(http.MethodGet, "/points/appeals", s.listMyAppeals, listMyAppealsOp)
	mine(http.MethodGet, "/rewards", s.listRewards, listRewardsOp)
	mine(http.MethodPost, "/rewards/:id/redeem", s.redeemReward, redeemRewardOp)
	mine(http.MethodGet, "/redemptions", s.listRedemptions, listRedemptionsOp)
	mine(http.MethodPost, "/redemptions/:id/cancel", s.cancelRedemption, cancelRedemptionOp)

	me.POST("/enterprises/bindings", s.requestBinding)
	me.GET("/me/enterprises", s.myEnterprises)
	me.GET("/enterprises/:uscc", s.getEnterprise)
	me.POST("/enterprises/:uscc/objections", s.createObjection)
	me.GET("/enterprises/:uscc/objections", s.listEnterpriseObjections) // the caller's own
	mine(http.MethodGet, "/enterprises/:uscc/referrals", s.listEnterpriseCases, listEnterpriseCasesOp)
	mine(http.MethodPost, "/enterprises/:uscc/referrals/:id/response", s.respondEnterpriseCase, respondEnterpriseCaseOp)
	me.GET("/me/objections", s.listMyObjections)
	me.GET("/enterprises/:uscc/benefits", s.enterpriseBenefits)

	mine(http.MethodGet, "/notices", s.listInbox, listInboxOp)
	mine(http.MethodGet, "/notices/unread-count", s.unreadCount, unreadCountOp)
	mine(http.MethodGet, "/notices/:id", s.getNotice, getNoticeOp)
	mine(http.MethodPost, "/notices/:id/ack", s.ackNotice, ackNoticeOp)

	me.GET("/surveys", s.listSurveys)
	me.GET("/surveys/:id", s.getSurvey)
	me.POST("/surveys/:id/attempts", s.startAttempt)
	me.GET("/attempts/:id", s.getAttempt)
	me.POST("/attempts/:id/submit", s.submitAttempt) // a repeat with the same answers answers the stored result
	me.POST("/surveys/:id/responses", s.submitResponse)

	me.POST("/requests/photos", s.uploadRequestPhoto)
	mine(http.MethodPost, "/requests", s.submitRequest, submitRequestOp)
	mine(http.MethodGet, "/requests", s.listMyRequests, listMyRequestsOp)
	mine(http.MethodGet, "/requests/:id", s.getMyRequest, getMyRequestOp)
	me.GET("/requests/:id/photos/:n", s.getMyRequestPhoto)
	mine(http.MethodPost, "/requests/:id/rating", s.rateRequest, rateRequestOp)
	me.GET("/me/member-code", s.getMemberCode)
	me.GET("/activities", s.listActivities)
	me.GET("/activities/:id", s.getActivity)
	me.POST("/activities/:id/signup", s.signUp)
	me.DELETE("/activities/:id/signup", s.cancelSignup)
	me.POST("/activities/scan", s.scanVenueCode)
	me.GET("/me/activities", s.myActivities)
	me.GET("/me/volunteer-record", s.myVolunteerRecord)

	// route registers an admin route with the permission it needs and its
	// document (contract.go); a route without one is still described in
	// api/openapi/*.json while its module moves over.
	route := func(method, path string, perm staff.Permission, h gin.HandlerFunc, doc ...op) {
		s.policy[method+" /api/v1"+path] = perm
		adm.Handle(method, path, s.require(perm), s.audited(false), h)
		if len(doc) > 0 {
			s.document(method, "/api/v1"+path, staffer, perm, doc[0], h)
		}
	}
	// personal marks admin reads that return residents' personal data: they are audited too.
	personal := func(method, path string, perm staff.Permission, h gin.HandlerFunc, doc ...op) {
		s.policy[method+" /api/v1"+path] = perm
		adm.Handle(method, path, s.require(perm), s.audited(true), h)
		if len(doc) > 0 {
			s.document(method, "/api/v1"+path, staffer, perm, doc[0], h)
		}
	}

	staffed(http.MethodGet, "/admin/me", s.whoAmI, whoAmIOp)                            // every staff member: who they are and what they may do
	staffed(http.MethodGet, "/admin/dashboard", s.dashboard, dashboardOp)               // every staff member: what waits for them, by their permissions
	staffed(http.MethodGet, "/admin/departments", s.listDepartments, listDepartmentsOp) // every staff member: the departments' names
	route(http.MethodPost, "/admin/departments", staff.ManageDepartments, s.createDepartment, createDepartmentOp)
	route(http.MethodPost, "/admin/staff", staff.ManageStaff, s.createStaff, createStaffOp)
	route(http.MethodGet, "/admin/staff", staff.ManageStaff, s.listStaff, listStaffOp)
	route(http.MethodPatch, "/admin/staff/:id", staff.ManageStaff, s.updateStaff, updateStaffOp)
	route(http.MethodPost, "/admin/staff/:id/disable", staff.ManageStaff, s.disableStaff, disableStaffOp)
	route(http.MethodPost, "/admin/staff/:id/enable", staff.ManageStaff, s.enableStaff, enableStaffOp)
	route(http.MethodPost, "/admin/staff/:id/reset-password", staff.ManageStaff, s.resetStaffPassword, resetStaffPasswordOp)
	route(http.MethodGet, "/admin/audit-log", staff.ReadAudit, s.listAuditLog, listAuditLogOp)
	route(http.MethodGet, "/admin/jobs", staff.ReadJobs, s.listJobs, listJobsOp)
	route(http.MethodPost, "/admin/jobs/:id/retry", staff.ManageJobs, s.retryJob, retryJobOp)
	route(http.MethodPost, "/admin/jobs/:id/cancel", staff.ManageJobs, s.cancelJob, cancelJobOp)
	route(http.MethodGet, "/admin/settings", staff.ManageSettings, s.listSettings, listSettingsOp)
	route(http.MethodPut, "/admin/settings", staff.ManageSettings, s.updateSettings, updateSettingsOp)
	personal(http.MethodGet, "/admin/residents/:id", staff.ReadResidents, s.getResident, getResidentOp)

	personal(http.MethodPost, "/admin/residents/lookup", staff.AwardPoints, s.lookupResident, lookupResidentOp) // throttled per member

	route(http.MethodPost, "/admin/points/awards", staff.AwardPoints, s.awardPoints, awardPointsOp)
	route(http.MethodPost, "/admin/points/deductions", staff.DeductPoints, s.deductPoints, deductPointsOp)
	personal(http.MethodGet, "/admin/points/deductions", staff.DeductPoints, s.listDeductions, listDeductionsOp)
	personal(http.MethodGet, "/admin/points/appeals", staff.DecideAppeals, s.listAppeals, listAppealsOp)
	route(http.MethodPost, "/admin/points/appeals/:id/decide", staff.DecideAppeals, s.decideAppeal, decideAppealOp)
	route(http.MethodGet, "/admin/points/rules", staff.ManageRules, s.listManagedRules, listManagedRulesOp)
	route(http.MethodPost, "/admin/points/rules", staff.ManageRules, s.saveRule, saveRuleOp)
	route(http.MethodPatch, "/admin/points/rules/:id", staff.ManageRules, s.updateRule, updateRuleOp)
	route(http.MethodGet, "/admin/rewards", staff.ManageRewards, s.listManagedRewards, listManagedRewardsOp)
	route(http.MethodPost, "/admin/rewards", staff.ManageRewards, s.createReward, createRewardOp)
	route(http.MethodPatch, "/admin/rewards/:id", staff.ManageRewards, s.updateReward, updateRewardOp)
	route(http.MethodPost, "/admin/rewards/:id/stock", staff.ManageRewards, s.adjustRewardStock, adjustRewardStockOp)
	route(http.MethodPost, "/admin/rewards/:id/withdraw", staff.ManageRewards, s.withdrawReward, withdrawRewardOp)
	route(http.MethodPost, "/admin/rewards/:id/image", staff.ManageRewards, s.uploadRewardImage, uploadRewardImageOp)
	route(http.MethodPost, "/admin/redemptions/verify", staff.VerifyVouchers, s.verifyVoucher, verifyVoucherOp)

	route(http.MethodPost, "/admin/enterprises", staff.ManageEnterprises, s.createEnterprise)
	route(http.MethodPost, "/admin/enterprises/import", staff.ManageEnterprises, s.importEnterprises)
	route(http.MethodPost, "/admin/enterprise-bindings/:id/decide", staff.DecideBindings, s.decideBinding)
	personal(http.MethodGet, "/admin/enterprise-bindings", staff.DecideBindings, s.listBindings)
	personal(http.MethodGet, "/admin/objections", staff.DecideObjections, s.listObjections)
	route(http.MethodPost, "/admin/credit-records", staff.WriteCredit, s.createCreditRecord)
	route(http.MethodPost, "/admin/objections/:id/decide", staff.DecideObjections, s.decideObjection)
	route(http.MethodPost, "/admin/benefit-programs", staff.ManageBenefits, s.createBenefitProgram)
	route(http.MethodGet, "/admin/enterprises", staff.ManageEnterprises, s.listEnterprises)
	personal(http.MethodGet, "/admin/enterprises/:uscc", staff.ManageEnterprises, s.getEnterpriseAdmin) // objections' texts
	route(http.MethodGet, "/admin/credit-records", staff.WriteCredit, s.listCreditRecords)
	route(http.MethodGet, "/admin/benefit-programs", staff.ManageBenefits, s.listBenefitPrograms)
	route(http.MethodGet, "/admin/benefit-programs/:id/matches", staff.ManageBenefits, s.listProgramMatches)
	route(http.MethodPost, "/admin/benefit-programs/:id/end", staff.ManageBenefits, s.endBenefitProgram)

	route(http.MethodPost, "/admin/notices", staff.WriteNotices, s.createNotice)
	route(http.MethodGet, "/admin/notices", staff.ReadNotices, s.listNotices, listNoticesOp)
	route(http.MethodGet, "/admin/notices/:id", staff.ReadNotices, s.getAdminNotice, getAdminNoticeOp)
	route(http.MethodPatch, "/admin/notices/:id", staff.WriteNotices, s.updateNotice)
	route(http.MethodPost, "/admin/notices/audience-preview", staff.WriteNotices, s.previewAudience)
	route(http.MethodPost, "/admin/notices/:id/submit", staff.WriteNotices, s.submitNotice, submitNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/approve", staff.ReviewNotices, s.approveNotice, approveNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/reject", staff.ReviewNotices, s.rejectNotice, rejectNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/withdraw", staff.WriteNotices, s.withdrawNotice, withdrawNoticeOp)
	route(http.MethodGet, "/admin/notices/:id/stats", staff.ReadNotices, s.noticeStats, noticeStatsOp)
	route(http.MethodGet, "/admin/wechat/templates", staff.WriteNotices, s.listWeChatTemplates, listWeChatTemplatesOp)

	route(http.MethodGet, "/admin/questions", staff.ReadSurveys, s.listQuestions)
	route(http.MethodPost, "/admin/questions", staff.WriteSurveys, s.createQuestions)
	route(http.MethodPatch, "/admin/questions/:id", staff.WriteSurveys, s.updateQuestion)
	route(http.MethodPost, "/admin/questions/:id/retire", staff.WriteSurveys, s.retireQuestion)
	route(http.MethodGet, "/admin/surveys", staff.ReadSurveys, s.listAdminSurveys)
	route(http.MethodPost, "/admin/surveys", staff.WriteSurveys, s.createSurvey)
	route(http.MethodGet, "/admin/surveys/:id", staff.ReadSurveys, s.getAdminSurvey)
	route(http.MethodPatch, "/admin/surveys/:id", staff.WriteSurveys, s.updateSurvey)
	route(http.MethodPost, "/admin/surveys/:id/publish", staff.WriteSurveys, s.publishSurvey)
	route(http.MethodPost, "/admin/surveys/:id/close", staff.WriteSurveys, s.closeSurvey)
	personal(http.MethodGet, "/admin/surveys/:id/stats", staff.ReadSurveys, s.surveyStats) // shows text answers
	personal(http.MethodGet, "/admin/surveys/:id/responses", staff.ReadSurveys, s.exportResponses)
	personal(http.MethodGet, "/admin/surveys/:id/missing", staff.ReadSurveys, s.missingDeclarations)
	route(http.MethodPost, "/admin/surveys/:id/remind", staff.WriteSurveys, s.remindMissing)

	// Requests show residents' descriptions, addresses and photos: every
	// read of them is audited.
	personal(http.MethodGet, "/admin/requests", staff.HandleRequests, s.listRequests, listRequestsOp)
	personal(http.MethodGet, "/admin/requests/:id", staff.HandleRequests, s.getRequest, getRequestOp)
	personal(http.MethodGet, "/admin/requests/:id/photos/:n", staff.HandleRequests, s.getRequestPhoto)
	route(http.MethodPost, "/admin/requests/:id/accept", staff.HandleRequests, s.acceptRequest, acceptRequestOp)
	route(http.MethodPost, "/admin/requests/:id/start", staff.HandleRequests, s.startRequest, startRequestOp)
	route(http.MethodPost, "/admin/requests/:id/transfer", staff.HandleRequests, s.transferRequest, transferRequestOp)
	route(http.MethodPost, "/admin/requests/:id/answer", staff.HandleRequests, s.answerRequest, answerRequestOp)
	// Issue 25: merging duplicates, referrals to enterprises, the knowledge
	// base, the official calendar's .ics import.
	personal(http.MethodGet, "/admin/requests/:id/merge-candidates", staff.HandleRequests, s.mergeCandidates, mergeCandidatesOp)
	route(http.MethodPost, "/admin/requests/:id/merge", staff.HandleRequests, s.mergeRequests, mergeRequestsOp)
	route(http.MethodPost, "/admin/requests/:id/unmerge", staff.HandleRequests, s.unmergeRequest, unmergeRequestOp)
	route(http.MethodPost, "/admin/requests/:id/referral", staff.HandleRequests, s.referRequest, referRequestOp)
	route(http.MethodGet, "/admin/knowledge", staff.ManageKnowledge, s.listKnowledge, listKnowledgeOp)
	route(http.MethodPost, "/admin/knowledge", staff.ManageKnowledge, s.createKnowledge, createKnowledgeOp)
	route(http.MethodGet, "/admin/knowledge/:id", staff.ManageKnowledge, s.getAdminKnowledge, getAdminKnowledgeOp)
	route(http.MethodPut, "/admin/knowledge/:id", staff.ManageKnowledge, s.updateKnowledge, updateKnowledgeOp)
	route(http.MethodDelete, "/admin/knowledge/:id", staff.ManageKnowledge, s.deleteKnowledge, deleteKnowledgeOp)
	route(http.MethodPost, "/admin/holidays/import", staff.ManageRequests, s.importHolidays, importHolidaysOp) // multipart, field file
	route(http.MethodGet, "/admin/request-stats", staff.ReadRequests, s.requestStats)
	route(http.MethodPut, "/admin/request-categories/:code", staff.ManageRequests, s.saveRequestCategory)
	route(http.MethodGet, "/admin/request-routes", staff.ReadRequests, s.listRequestRoutes)
	route(http.MethodPut, "/admin/request-routes", staff.ManageRequests, s.saveRequestRoute)
	route(http.MethodDelete, "/admin/request-routes/:category", staff.ManageRequests, s.deleteRequestRoute)
	route(http.MethodGet, "/admin/holidays", staff.ReadRequests, s.listHolidays)
	route(http.MethodPut, "/admin/holidays/:day", staff.ManageRequests, s.saveHoliday)
	route(http.MethodDelete, "/admin/holidays/:day", staff.ManageRequests, s.deleteHoliday)
	route(http.MethodPost, "/admin/member-codes/resolve", staff.ResolveMembers, s.resolveMemberCode)
	route(http.MethodPost, "/admin/activities", staff.ManageActivities, s.createActivity)
	route(http.MethodGet, "/admin/activities", staff.ReadActivities, s.listAdminActivities)
	route(http.MethodGet, "/admin/activities/:id", staff.ReadActivities, s.getAdminActivity)
	route(http.MethodPatch, "/admin/activities/:id", staff.ManageActivities, s.updateActivity)
	route(http.MethodPost, "/admin/activities/:id/publish", staff.ManageActivities, s.publishActivity)
	route(http.MethodPost, "/admin/activities/:id/cancel", staff.ManageActivities, s.cancelActivity)
	route(http.MethodPost, "/admin/activities/:id/image", staff.ManageActivities, s.uploadActivityImage) // multipart, field file
	personal(http.MethodGet, "/admin/activities/:id/roster", staff.ReadActivities, s.activityRoster)
	personal(http.MethodGet, "/admin/activities/:id/roster/export", staff.ReadActivities, s.exportRoster)
	route(http.MethodGet, "/admin/activities/:id/venue-code", staff.CheckInActivities, s.getVenueCode)
	route(http.MethodPost, "/admin/activities/:id/checkins", staff.CheckInActivities, s.checkInResident)
	route(http.MethodPost, "/admin/activities/:id/checkouts", staff.CheckInActivities, s.checkOutResident)
	route(http.MethodPost, "/admin/activities/:id/hours-adjustments", staff.ManageActivities, s.adjustHours)
	route(http.MethodGet, "/admin/activities/:id/hours-approvals", staff.ManageActivities, s.listHoursApprovals)
	route(http.MethodPost, "/admin/activities/:id/hours-approvals/:aid/approve", staff.ManageActivities, s.approveHours)
	route(http.MethodPost, "/admin/activities/:id/hours-approvals/:aid/reject", staff.ManageActivities, s.rejectHours)
	route(http.MethodGet, "/admin/activity-stats", staff.ReadActivities, s.activityStats)
}
