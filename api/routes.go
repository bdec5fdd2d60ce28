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
	// member's, no permission beyond it) with its document (contract.go).
	reg := func(g *gin.RouterGroup, kind routeKind) func(method, path string, h gin.HandlerFunc, doc op) {
		return func(method, p string, h gin.HandlerFunc, doc op) {
			g.Handle(method, p, h)
			s.document(method, path.Join(g.BasePath(), p), kind, "", doc, h)
		}
	}
	open, signedIn, mine, staffed := reg(v1, public), reg(authed, signedIn), reg(me, resident), reg(adm, staffer)
	open(http.MethodPost, "/auth/wechat-login", s.wechatLogin, wechatLoginOp)
	open(http.MethodPost, "/auth/staff-login", s.staffLogin, staffLoginOp)
	open(http.MethodGet, "/regions", s.listRegions, listRegionsOp)
	open(http.MethodGet, "/config", s.getClientConfig, getClientConfigOp) // what the mini program needs of the configuration
	open(http.MethodGet, "/points/rules", s.listRules, listRulesOp)
	open(http.MethodGet, "/enterprises/:uscc/rating", s.publicRating, publicRatingOp)
	open(http.MethodGet, "/requests/public", s.listPublicRequests, listPublicRequestsOp)
	open(http.MethodGet, "/requests/categories", s.listRequestCategories, listRequestCategoriesOp)
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
	mine(http.MethodPost, "/points/deductions/:id/repair", s.startRepair, startRepairOp) // 学法修复: a quiz attempt
	mine(http.MethodGet, "/rewards", s.listRewards, listRewardsOp)
	mine(http.MethodPost, "/rewards/:id/redeem", s.redeemReward, redeemRewardOp)
	mine(http.MethodGet, "/redemptions", s.listRedemptions, listRedemptionsOp)
	mine(http.MethodPost, "/redemptions/:id/cancel", s.cancelRedemption, cancelRedemptionOp)

	mine(http.MethodPost, "/enterprises/bindings", s.requestBinding, requestBindingOp)
	mine(http.MethodGet, "/me/enterprises", s.myEnterprises, myEnterprisesOp)
	mine(http.MethodGet, "/enterprises/:uscc", s.getEnterprise, getEnterpriseOp)
	mine(http.MethodPost, "/enterprises/:uscc/objections", s.createObjection, createObjectionOp)
	mine(http.MethodGet, "/enterprises/:uscc/objections", s.listEnterpriseObjections, listEnterpriseObjectionsOp) // the caller's own
	mine(http.MethodGet, "/enterprises/:uscc/referrals", s.listEnterpriseCases, listEnterpriseCasesOp)
	mine(http.MethodPost, "/enterprises/:uscc/referrals/:id/response", s.respondEnterpriseCase, respondEnterpriseCaseOp)
	mine(http.MethodGet, "/me/objections", s.listMyObjections, listMyObjectionsOp)
	mine(http.MethodGet, "/enterprises/:uscc/benefits", s.enterpriseBenefits, enterpriseBenefitsOp)
	mine(http.MethodGet, "/enterprises/:uscc/repairs", s.listRecordRepairs, listRecordRepairsOp)
	mine(http.MethodPost, "/enterprises/:uscc/records/:id/repair", s.startCreditRepair, startCreditRepairOp)
	mine(http.MethodPut, "/enterprises/:uscc/records/:id/repair/commitment", s.commitRepair, commitRepairOp)

	mine(http.MethodGet, "/notices", s.listInbox, listInboxOp)
	mine(http.MethodGet, "/notices/unread-count", s.unreadCount, unreadCountOp)
	mine(http.MethodGet, "/notices/:id", s.getNotice, getNoticeOp)
	mine(http.MethodPost, "/notices/:id/ack", s.ackNotice, ackNoticeOp)

	mine(http.MethodGet, "/surveys", s.listSurveys, listSurveysOp)
	mine(http.MethodGet, "/surveys/:id", s.getSurvey, getSurveyOp)
	mine(http.MethodPost, "/surveys/:id/attempts", s.startAttempt, startAttemptOp)
	mine(http.MethodGet, "/attempts/:id", s.getAttempt, getAttemptOp)
	mine(http.MethodPost, "/attempts/:id/submit", s.submitAttempt, submitAttemptOp) // a repeat with the same answers answers the stored result
	mine(http.MethodPost, "/surveys/:id/responses", s.submitResponse, submitResponseOp)

	mine(http.MethodPost, "/requests/photos", s.uploadRequestPhoto, uploadRequestPhotoOp)
	mine(http.MethodPost, "/requests", s.submitRequest, submitRequestOp)
	mine(http.MethodGet, "/requests", s.listMyRequests, listMyRequestsOp)
	mine(http.MethodGet, "/requests/:id", s.getMyRequest, getMyRequestOp)
	mine(http.MethodGet, "/requests/:id/photos/:n", s.getMyRequestPhoto, getMyRequestPhotoOp)
	mine(http.MethodPost, "/requests/:id/rating", s.rateRequest, rateRequestOp)
	mine(http.MethodGet, "/me/member-code", s.getMemberCode, getMemberCodeOp)
	mine(http.MethodGet, "/activities", s.listActivities, listActivitiesOp)
	mine(http.MethodGet, "/activities/:id", s.getActivity, getActivityOp)
	mine(http.MethodPost, "/activities/:id/signup", s.signUp, signUpOp)
	mine(http.MethodDelete, "/activities/:id/signup", s.cancelSignup, cancelSignupOp)
	mine(http.MethodPost, "/activities/scan", s.scanVenueCode, scanVenueCodeOp)
	mine(http.MethodGet, "/me/activities", s.myActivities, myActivitiesOp)
	mine(http.MethodGet, "/me/volunteer-record", s.myVolunteerRecord, myVolunteerRecordOp)

	// route registers an admin route with the permission it needs and its
	// document (contract.go).
	route := func(method, path string, perm staff.Permission, h gin.HandlerFunc, doc op) {
		s.policy[method+" /api/v1"+path] = perm
		adm.Handle(method, path, s.require(perm), s.audited(false), h)
		s.document(method, "/api/v1"+path, staffer, perm, doc, h)
	}
	// personal marks admin reads that return residents' personal data: they are audited too.
	personal := func(method, path string, perm staff.Permission, h gin.HandlerFunc, doc op) {
		s.policy[method+" /api/v1"+path] = perm
		adm.Handle(method, path, s.require(perm), s.audited(true), h)
		s.document(method, "/api/v1"+path, staffer, perm, doc, h)
	}

	staffed(http.MethodGet, "/admin/me", s.whoAmI, whoAmIOp)                            // every staff member: who they are and what they may do
	staffed(http.MethodGet, "/admin/dashboard", s.dashboard, dashboardOp)               // every staff member: what waits for them, by their permissions
	staffed(http.MethodGet, "/admin/departments", s.listDepartments, listDepartmentsOp) // every staff member: the departments' names
	route(http.MethodPost, "/admin/departments", staff.ManageDepartments, s.createDepartment, createDepartmentOp)
	route(http.MethodPost, "/admin/staff", staff.ManageStaff, s.createStaff, createStaffOp)
	route(http.MethodGet, "/admin/staff", staff.ManageStaff, s.listStaff, listStaffOp)
	personal(http.MethodGet, "/admin/staff/export", staff.ManageStaff, s.exportStaff, exportStaffOp) // the export is audited
	route(http.MethodPatch, "/admin/staff/:id", staff.ManageStaff, s.updateStaff, updateStaffOp)
	route(http.MethodPost, "/admin/staff/:id/disable", staff.ManageStaff, s.disableStaff, disableStaffOp)
	route(http.MethodPost, "/admin/staff/:id/enable", staff.ManageStaff, s.enableStaff, enableStaffOp)
	route(http.MethodPost, "/admin/staff/:id/reset-password", staff.ManageStaff, s.resetStaffPassword, resetStaffPasswordOp)
	route(http.MethodGet, "/admin/audit-log", staff.ReadAudit, s.listAuditLog, listAuditLogOp)
	personal(http.MethodGet, "/admin/audit-log/export", staff.ReadAudit, s.exportAuditLog, exportAuditLogOp) // the export is audited
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
	route(http.MethodGet, "/admin/points/repair-tags", staff.ManageRules, s.repairTags, repairTagsOp)
	route(http.MethodGet, "/admin/stats/repairs", staff.ReadRepairStats, s.repairStats, repairStatsOp) // the 法治 dashboard
	route(http.MethodPost, "/admin/points/rules", staff.ManageRules, s.saveRule, saveRuleOp)
	route(http.MethodPatch, "/admin/points/rules/:id", staff.ManageRules, s.updateRule, updateRuleOp)
	route(http.MethodGet, "/admin/rewards", staff.ManageRewards, s.listManagedRewards, listManagedRewardsOp)
	route(http.MethodPost, "/admin/rewards", staff.ManageRewards, s.createReward, createRewardOp)
	route(http.MethodPatch, "/admin/rewards/:id", staff.ManageRewards, s.updateReward, updateRewardOp)
	route(http.MethodPost, "/admin/rewards/:id/stock", staff.ManageRewards, s.adjustRewardStock, adjustRewardStockOp)
	route(http.MethodPost, "/admin/rewards/:id/withdraw", staff.ManageRewards, s.withdrawReward, withdrawRewardOp)
	route(http.MethodPost, "/admin/rewards/:id/image", staff.ManageRewards, s.uploadRewardImage, uploadRewardImageOp)
	route(http.MethodPost, "/admin/redemptions/verify", staff.VerifyVouchers, s.verifyVoucher, verifyVoucherOp)

	route(http.MethodPost, "/admin/enterprises", staff.ManageEnterprises, s.createEnterprise, createEnterpriseOp)
	route(http.MethodPost, "/admin/enterprises/import", staff.ManageEnterprises, s.importEnterprises, importEnterprisesOp)
	route(http.MethodGet, "/admin/enterprises/import-template", staff.ManageEnterprises, s.enterpriseImportTemplate, enterpriseTemplateOp)
	route(http.MethodPost, "/admin/enterprise-bindings/:id/decide", staff.DecideBindings, s.decideBinding, decideBindingOp)
	personal(http.MethodGet, "/admin/enterprise-bindings", staff.DecideBindings, s.listBindings, listBindingsOp)
	personal(http.MethodGet, "/admin/objections", staff.DecideObjections, s.listObjections, listObjectionsOp)
	route(http.MethodPost, "/admin/credit-records", staff.WriteCredit, s.createCreditRecord, createCreditRecordOp)
	route(http.MethodPost, "/admin/credit-records/import", staff.WriteCredit, s.importCreditRecords, importCreditRecordsOp)
	route(http.MethodGet, "/admin/credit-records/import-template", staff.WriteCredit, s.creditImportTemplate, creditTemplateOp)
	route(http.MethodPost, "/admin/objections/:id/decide", staff.DecideObjections, s.decideObjection, decideObjectionOp)
	personal(http.MethodGet, "/admin/credit-repairs", staff.DecideRepairs, s.listRepairs, listRepairsOp) // commitments
	personal(http.MethodGet, "/admin/credit-repairs/:id", staff.DecideRepairs, s.getRepair, getRepairOp)
	route(http.MethodPost, "/admin/credit-repairs/:id/decide", staff.DecideRepairs, s.decideRepair, decideRepairOp)
	route(http.MethodGet, "/admin/credit-repair-courses", staff.ManageRepairCourses, s.listRepairCourses, listRepairCoursesOp)
	route(http.MethodPut, "/admin/credit-repair-courses", staff.ManageRepairCourses, s.putRepairCourse, putRepairCourseOp)
	route(http.MethodDelete, "/admin/credit-repair-courses/:id", staff.ManageRepairCourses, s.deleteRepairCourse, deleteRepairCourseOp)
	route(http.MethodPost, "/admin/benefit-programs", staff.ManageBenefits, s.createBenefitProgram, createBenefitProgramOp)
	route(http.MethodGet, "/admin/enterprises", staff.ManageEnterprises, s.listEnterprises, listEnterprisesOp)
	personal(http.MethodGet, "/admin/enterprises/export", staff.ManageEnterprises, s.exportEnterprises, exportEnterprisesOp)  // the export is audited
	personal(http.MethodGet, "/admin/enterprises/:uscc", staff.ManageEnterprises, s.getEnterpriseAdmin, getEnterpriseAdminOp) // objections' texts
	route(http.MethodGet, "/admin/credit-records", staff.WriteCredit, s.listCreditRecords, listCreditRecordsOp)
	personal(http.MethodGet, "/admin/credit-records/export", staff.WriteCredit, s.exportCreditRecords, exportCreditRecordsOp) // the export is audited
	route(http.MethodGet, "/admin/benefit-programs", staff.ManageBenefits, s.listBenefitPrograms, listBenefitProgramsOp)
	route(http.MethodGet, "/admin/benefit-programs/:id/matches", staff.ManageBenefits, s.listProgramMatches, listProgramMatchesOp)
	route(http.MethodPost, "/admin/benefit-programs/:id/end", staff.ManageBenefits, s.endBenefitProgram, endBenefitProgramOp)

	route(http.MethodPost, "/admin/notices", staff.WriteNotices, s.createNotice, createNoticeOp)
	route(http.MethodGet, "/admin/notices", staff.ReadNotices, s.listNotices, listNoticesOp)
	route(http.MethodGet, "/admin/notices/:id", staff.ReadNotices, s.getAdminNotice, getAdminNoticeOp)
	route(http.MethodPatch, "/admin/notices/:id", staff.WriteNotices, s.updateNotice, updateNoticeOp)
	route(http.MethodPost, "/admin/notices/audience-preview", staff.WriteNotices, s.previewAudience, previewAudienceOp)
	route(http.MethodPost, "/admin/notices/:id/submit", staff.WriteNotices, s.submitNotice, submitNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/approve", staff.ReviewNotices, s.approveNotice, approveNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/reject", staff.ReviewNotices, s.rejectNotice, rejectNoticeOp)
	route(http.MethodPost, "/admin/notices/:id/withdraw", staff.WriteNotices, s.withdrawNotice, withdrawNoticeOp)
	route(http.MethodGet, "/admin/notices/:id/stats", staff.ReadNotices, s.noticeStats, noticeStatsOp)
	route(http.MethodGet, "/admin/wechat/templates", staff.WriteNotices, s.listWeChatTemplates, listWeChatTemplatesOp)

	route(http.MethodGet, "/admin/questions", staff.ReadSurveys, s.listQuestions, listQuestionsOp)
	route(http.MethodPost, "/admin/questions", staff.WriteSurveys, s.createQuestions, createQuestionsOp)
	route(http.MethodPatch, "/admin/questions/:id", staff.WriteSurveys, s.updateQuestion, updateQuestionOp)
	route(http.MethodPost, "/admin/questions/:id/retire", staff.WriteSurveys, s.retireQuestion, retireQuestionOp)
	route(http.MethodGet, "/admin/surveys", staff.ReadSurveys, s.listAdminSurveys, listAdminSurveysOp)
	route(http.MethodPost, "/admin/surveys", staff.WriteSurveys, s.createSurvey, createSurveyOp)
	route(http.MethodGet, "/admin/surveys/:id", staff.ReadSurveys, s.getAdminSurvey, getAdminSurveyOp)
	route(http.MethodPatch, "/admin/surveys/:id", staff.WriteSurveys, s.updateSurvey, updateSurveyOp)
	route(http.MethodPost, "/admin/surveys/:id/publish", staff.WriteSurveys, s.publishSurvey, publishSurveyOp)
	route(http.MethodPost, "/admin/surveys/:id/close", staff.WriteSurveys, s.closeSurvey, closeSurveyOp)
	personal(http.MethodGet, "/admin/surveys/:id/stats", staff.ReadSurveys, s.surveyStats, surveyStatsOp) // shows text answers
	personal(http.MethodGet, "/admin/surveys/:id/responses", staff.ReadSurveys, s.exportResponses, exportResponsesOp)
	personal(http.MethodGet, "/admin/surveys/:id/missing", staff.ReadSurveys, s.missingDeclarations, missingDeclarationsOp)
	route(http.MethodPost, "/admin/surveys/:id/remind", staff.WriteSurveys, s.remindMissing, remindMissingOp)

	// Requests show residents' descriptions, addresses and photos: every
	// read of them is audited.
	personal(http.MethodGet, "/admin/requests", staff.HandleRequests, s.listRequests, listRequestsOp)
	personal(http.MethodGet, "/admin/requests/:id", staff.HandleRequests, s.getRequest, getRequestOp)
	personal(http.MethodGet, "/admin/requests/:id/photos/:n", staff.HandleRequests, s.getRequestPhoto, getRequestPhotoOp)
	route(http.MethodPost, "/admin/requests/:id/accept", staff.HandleRequests, s.acceptRequest, acceptRequestOp)
	route(http.MethodPost, "/admin/requests/:id/start", staff.HandleRequests, s.startRequest, startRequestOp)
	route(http.MethodPost, "/admin/requests/:id/transfer", staff.HandleRequests, s.transferRequest, transferRequestOp)
	route(http.MethodPost, "/admin/requests/:id/answer", staff.HandleRequests, s.answerRequest, answerRequestOp)
	route(http.MethodPost, "/admin/requests/:id/sign", staff.HandleRequests, s.signRequest, signRequestOp)
	route(http.MethodPost, "/admin/requests/:id/return", staff.HandleRequests, s.returnRequest, returnRequestOp)
	route(http.MethodPost, "/admin/requests/:id/extension", staff.HandleRequests, s.askExtension, askExtensionOp)
	personal(http.MethodGet, "/admin/dispatch/requests", staff.DispatchRequests, s.listDispatchRequests, listDispatchRequestsOp)
	personal(http.MethodGet, "/admin/dispatch/requests/:id", staff.DispatchRequests, s.getDispatchRequest, getDispatchRequestOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/dispatch", staff.DispatchRequests, s.dispatchRequest, dispatchRequestOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/refuse-return", staff.DispatchRequests, s.refuseReturn, refuseReturnOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/extension-decision", staff.DispatchRequests, s.decideExtension, decideExtensionOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/urge", staff.DispatchRequests, s.urgeRequest, urgeRequestOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/supervise", staff.DispatchRequests, s.superviseRequest, superviseRequestOp)
	route(http.MethodPost, "/admin/dispatch/requests/:id/callback", staff.DispatchRequests, s.callBackRequest, callBackRequestOp)
	route(http.MethodGet, "/admin/dispatch/settings", staff.ReadRequests, s.getFlowSettings, getFlowSettingsOp)
	route(http.MethodPut, "/admin/dispatch/settings", staff.ManageDuties, s.saveFlowSettings, saveFlowSettingsOp)
	route(http.MethodGet, "/admin/request-guides", staff.ReadRequests, s.listRequestGuides, listRequestGuidesOp)
	route(http.MethodPut, "/admin/request-guides/:code", staff.ManageDuties, s.saveRequestGuide, saveRequestGuideOp)
	route(http.MethodGet, "/admin/supervisions", staff.ReadRequests, s.listSupervisions, listSupervisionsOp)
	route(http.MethodPost, "/admin/supervisions/:id/answer", staff.AnswerSupervision, s.answerSupervision, answerSupervisionOp)
	route(http.MethodGet, "/admin/request-flow-stats", staff.ReadRequests, s.requestFlowStats, requestFlowStatsOp)
	route(http.MethodGet, "/admin/request-stats", staff.ReadRequests, s.requestStats, requestStatsOp)
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
	route(http.MethodPut, "/admin/request-categories/:code", staff.ManageRequests, s.saveRequestCategory, saveRequestCategoryOp)
	route(http.MethodGet, "/admin/request-routes", staff.ReadRequests, s.listRequestRoutes, listRequestRoutesOp)
	route(http.MethodPut, "/admin/request-routes", staff.ManageDuties, s.saveRequestRoute, saveRequestRouteOp)
	route(http.MethodDelete, "/admin/request-routes/:category", staff.ManageDuties, s.deleteRequestRoute, deleteRequestRouteOp)
	route(http.MethodGet, "/admin/holidays", staff.ReadRequests, s.listHolidays, listHolidaysOp)
	route(http.MethodPut, "/admin/holidays/:day", staff.ManageRequests, s.saveHoliday, saveHolidayOp)
	route(http.MethodDelete, "/admin/holidays/:day", staff.ManageRequests, s.deleteHoliday, deleteHolidayOp)
	route(http.MethodPost, "/admin/member-codes/resolve", staff.ResolveMembers, s.resolveMemberCode, resolveMemberCodeOp)
	route(http.MethodPost, "/admin/activities", staff.ManageActivities, s.createActivity, createActivityOp)
	route(http.MethodGet, "/admin/activities", staff.ReadActivities, s.listAdminActivities, listAdminActivitiesOp)
	route(http.MethodGet, "/admin/activities/:id", staff.ReadActivities, s.getAdminActivity, getAdminActivityOp)
	route(http.MethodPatch, "/admin/activities/:id", staff.ManageActivities, s.updateActivity, updateActivityOp)
	route(http.MethodPost, "/admin/activities/:id/publish", staff.ManageActivities, s.publishActivity, publishActivityOp)
	route(http.MethodPost, "/admin/activities/:id/cancel", staff.ManageActivities, s.cancelActivity, cancelActivityOp)
	route(http.MethodPost, "/admin/activities/:id/image", staff.ManageActivities, s.uploadActivityImage, uploadActivityImageOp) // multipart, field file
	personal(http.MethodGet, "/admin/activities/:id/roster", staff.ReadActivities, s.activityRoster, activityRosterOp)
	personal(http.MethodGet, "/admin/activities/:id/roster/export", staff.ReadActivities, s.exportRoster, exportRosterOp)
	route(http.MethodGet, "/admin/activities/:id/venue-code", staff.CheckInActivities, s.getVenueCode, getVenueCodeOp)
	route(http.MethodPost, "/admin/activities/:id/checkins", staff.CheckInActivities, s.checkInResident, checkInResidentOp)
	route(http.MethodPost, "/admin/activities/:id/checkouts", staff.CheckInActivities, s.checkOutResident, checkOutResidentOp)
	route(http.MethodPost, "/admin/activities/:id/hours-adjustments", staff.ManageActivities, s.adjustHours, adjustHoursOp)
	route(http.MethodGet, "/admin/activities/:id/hours-approvals", staff.ManageActivities, s.listHoursApprovals, listHoursApprovalsOp)
	route(http.MethodPost, "/admin/activities/:id/hours-approvals/:aid/approve", staff.ManageActivities, s.approveHours, approveHoursOp)
	route(http.MethodPost, "/admin/activities/:id/hours-approvals/:aid/reject", staff.ManageActivities, s.rejectHours, rejectHoursOp)
	route(http.MethodGet, "/admin/activity-stats", staff.ReadActivities, s.activityStats, activityStatsOp)
}
