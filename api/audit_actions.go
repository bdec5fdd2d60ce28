package api

// The audit log in words an auditor (纪检、审计) reads: each route's action
// in Chinese, and what kind of object it acted on. auditActions is keyed by
// the route as the log records it ("METHOD /api/v1/admin/…");
// TestEveryAuditedRouteHasAnAction walks the server's route table, so a new
// admin route without a Chinese action fails the build's tests.

// auditActions names every audited route's action.
var auditActions = map[string]string{
	"POST /api/v1/auth/change-password": "修改本人密码",

	"POST /api/v1/admin/departments":                                 "新建部门",
	"POST /api/v1/admin/staff":                                       "新建工作人员",
	"GET /api/v1/admin/staff":                                        "查看工作人员名单",
	"PATCH /api/v1/admin/staff/:id":                                  "修改工作人员角色或街道",
	"POST /api/v1/admin/staff/:id/disable":                           "停用工作人员",
	"POST /api/v1/admin/staff/:id/enable":                            "启用工作人员",
	"POST /api/v1/admin/staff/:id/reset-password":                    "重置工作人员密码",
	"GET /api/v1/admin/audit-log":                                    "查看审计日志",
	"GET /api/v1/admin/audit-log/export":                             "导出审计日志",
	"GET /api/v1/admin/jobs":                                         "查看任务队列",
	"POST /api/v1/admin/jobs/:id/retry":                              "重试任务",
	"POST /api/v1/admin/jobs/:id/cancel":                             "取消任务",
	"GET /api/v1/admin/settings":                                     "查看运行设置",
	"PUT /api/v1/admin/settings":                                     "修改运行设置",
	"GET /api/v1/admin/residents/:id":                                "查看居民信息",
	"POST /api/v1/admin/residents/lookup":                            "按手机号查找居民",
	"POST /api/v1/admin/points/awards":                               "发放积分",
	"POST /api/v1/admin/points/deductions":                           "扣减积分",
	"GET /api/v1/admin/points/deductions":                            "查看扣分记录",
	"GET /api/v1/admin/points/appeals":                               "查看积分申诉",
	"POST /api/v1/admin/points/appeals/:id/decide":                   "处理积分申诉",
	"GET /api/v1/admin/points/rules":                                 "查看积分规则",
	"POST /api/v1/admin/points/rules":                                "新建积分规则",
	"PATCH /api/v1/admin/points/rules/:id":                           "修改积分规则",
	"GET /api/v1/admin/rewards":                                      "查看兑换商品",
	"POST /api/v1/admin/rewards":                                     "新建兑换商品",
	"PATCH /api/v1/admin/rewards/:id":                                "修改兑换商品",
	"POST /api/v1/admin/rewards/:id/stock":                           "调整商品库存",
	"POST /api/v1/admin/rewards/:id/withdraw":                        "下架兑换商品",
	"POST /api/v1/admin/rewards/:id/image":                           "上传商品图片",
	"POST /api/v1/admin/redemptions/verify":                          "核销兑换券",
	"POST /api/v1/admin/enterprises":                                 "新建企业",
	"POST /api/v1/admin/enterprises/import":                          "导入企业",
	"GET /api/v1/admin/enterprises/import-template":                  "下载企业导入模板",
	"POST /api/v1/admin/enterprise-bindings/:id/decide":              "审核企业绑定",
	"GET /api/v1/admin/enterprise-bindings":                          "查看企业绑定申请",
	"GET /api/v1/admin/objections":                                   "查看信用异议",
	"POST /api/v1/admin/credit-records":                              "录入信用记录",
	"POST /api/v1/admin/credit-records/import":                       "导入信用记录",
	"GET /api/v1/admin/credit-records/import-template":               "下载信用记录导入模板",
	"POST /api/v1/admin/objections/:id/decide":                       "处理信用异议",
	"POST /api/v1/admin/benefit-programs":                            "新建惠企政策",
	"GET /api/v1/admin/enterprises":                                  "查看企业名单",
	"GET /api/v1/admin/enterprises/:uscc":                            "查看企业详情",
	"GET /api/v1/admin/credit-records":                               "查看信用记录",
	"GET /api/v1/admin/benefit-programs":                             "查看惠企政策",
	"GET /api/v1/admin/benefit-programs/:id/matches":                 "查看政策匹配企业",
	"POST /api/v1/admin/benefit-programs/:id/end":                    "结束惠企政策",
	"POST /api/v1/admin/notices":                                     "新建通知",
	"GET /api/v1/admin/notices":                                      "查看通知",
	"GET /api/v1/admin/notices/:id":                                  "查看通知详情",
	"PATCH /api/v1/admin/notices/:id":                                "修改通知",
	"POST /api/v1/admin/notices/audience-preview":                    "预览通知对象",
	"POST /api/v1/admin/notices/:id/submit":                          "提交通知审核",
	"POST /api/v1/admin/notices/:id/approve":                         "审核通过通知",
	"POST /api/v1/admin/notices/:id/reject":                          "退回通知",
	"POST /api/v1/admin/notices/:id/withdraw":                        "撤回通知",
	"GET /api/v1/admin/notices/:id/stats":                            "查看通知统计",
	"GET /api/v1/admin/wechat/templates":                             "查看微信消息模板",
	"GET /api/v1/admin/questions":                                    "查看题库",
	"POST /api/v1/admin/questions":                                   "新建题目",
	"PATCH /api/v1/admin/questions/:id":                              "修改题目",
	"POST /api/v1/admin/questions/:id/retire":                        "停用题目",
	"GET /api/v1/admin/surveys":                                      "查看问卷",
	"POST /api/v1/admin/surveys":                                     "新建问卷",
	"GET /api/v1/admin/surveys/:id":                                  "查看问卷详情",
	"PATCH /api/v1/admin/surveys/:id":                                "修改问卷",
	"POST /api/v1/admin/surveys/:id/publish":                         "发布问卷",
	"POST /api/v1/admin/surveys/:id/close":                           "结束问卷",
	"GET /api/v1/admin/surveys/:id/stats":                            "查看问卷统计",
	"GET /api/v1/admin/surveys/:id/responses":                        "导出问卷答卷",
	"GET /api/v1/admin/surveys/:id/missing":                          "查看未填报名单",
	"POST /api/v1/admin/surveys/:id/remind":                          "提醒未填报居民",
	"GET /api/v1/admin/requests":                                     "查看民意速办工单",
	"GET /api/v1/admin/requests/:id":                                 "查看工单详情",
	"GET /api/v1/admin/requests/:id/photos/:n":                       "查看工单照片",
	"POST /api/v1/admin/requests/:id/accept":                         "受理工单",
	"POST /api/v1/admin/requests/:id/start":                          "开始办理工单",
	"POST /api/v1/admin/requests/:id/transfer":                       "转派工单",
	"POST /api/v1/admin/requests/:id/answer":                         "答复工单",
	"GET /api/v1/admin/request-stats":                                "查看工单统计",
	"PUT /api/v1/admin/request-categories/:code":                     "修改工单类别",
	"GET /api/v1/admin/request-routes":                               "查看工单分派规则",
	"PUT /api/v1/admin/request-routes":                               "修改工单分派规则",
	"DELETE /api/v1/admin/request-routes/:category":                  "删除工单分派规则",
	"GET /api/v1/admin/holidays":                                     "查看节假日",
	"PUT /api/v1/admin/holidays/:day":                                "设置节假日",
	"DELETE /api/v1/admin/holidays/:day":                             "删除节假日",
	"POST /api/v1/admin/member-codes/resolve":                        "识别居民码",
	"POST /api/v1/admin/activities":                                  "新建活动",
	"GET /api/v1/admin/activities":                                   "查看活动",
	"GET /api/v1/admin/activities/:id":                               "查看活动详情",
	"PATCH /api/v1/admin/activities/:id":                             "修改活动",
	"POST /api/v1/admin/activities/:id/publish":                      "发布活动",
	"POST /api/v1/admin/activities/:id/cancel":                       "取消活动",
	"POST /api/v1/admin/activities/:id/image":                        "上传活动图片",
	"GET /api/v1/admin/activities/:id/roster":                        "查看名单",
	"GET /api/v1/admin/activities/:id/roster/export":                 "导出名单",
	"GET /api/v1/admin/activities/:id/venue-code":                    "查看签到码",
	"POST /api/v1/admin/activities/:id/checkins":                     "签到",
	"POST /api/v1/admin/activities/:id/checkouts":                    "签退",
	"POST /api/v1/admin/activities/:id/hours-adjustments":            "调整志愿时长",
	"GET /api/v1/admin/activities/:id/hours-approvals":               "查看时长审批",
	"POST /api/v1/admin/activities/:id/hours-approvals/:aid/approve": "批准志愿时长",
	"POST /api/v1/admin/activities/:id/hours-approvals/:aid/reject":  "驳回志愿时长",
	"GET /api/v1/admin/activity-stats":                               "查看活动统计",
}

// auditKinds names, in Chinese, what an entry's target_kind is (the path
// segment before the route's last parameter, or its last segment).
var auditKinds = map[string]string{
	"change-password":     "本人密码",
	"departments":         "部门",
	"staff":               "工作人员",
	"audit-log":           "审计日志",
	"export":              "导出",
	"jobs":                "任务",
	"settings":            "运行设置",
	"residents":           "居民",
	"lookup":              "居民",
	"awards":              "积分发放",
	"deductions":          "积分扣减",
	"appeals":             "积分申诉",
	"rules":               "积分规则",
	"rewards":             "兑换商品",
	"verify":              "兑换券",
	"enterprises":         "企业",
	"import":              "导入",
	"import-template":     "导入模板",
	"enterprise-bindings": "企业绑定",
	"objections":          "信用异议",
	"credit-records":      "信用记录",
	"benefit-programs":    "惠企政策",
	"notices":             "通知",
	"audience-preview":    "通知对象",
	"templates":           "微信消息模板",
	"questions":           "题目",
	"surveys":             "问卷",
	"requests":            "工单",
	"photos":              "工单照片",
	"request-stats":       "工单统计",
	"request-categories":  "工单类别",
	"request-routes":      "工单分派规则",
	"holidays":            "节假日",
	"resolve":             "居民码",
	"activities":          "活动",
	"hours-approvals":     "时长审批",
	"activity-stats":      "活动统计",
}

// auditActionName is the Chinese action of a recorded route; an entry
// whose route has gone since (or a seed's) shows the route itself.
func auditActionName(action string) string {
	if n, ok := auditActions[action]; ok {
		return n
	}
	return action
}

// auditTargetName is the object as an auditor reads it: its kind in
// Chinese and its ID ("活动 3").
func auditTargetName(kind, id string) string {
	n, ok := auditKinds[kind]
	if !ok {
		n = kind
	}
	if id == "" {
		return n
	}
	return n + " " + id
}
