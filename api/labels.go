package api

import (
	"sort"
	"strconv"
	"strings"

	"github.com/futian/ifutian/internal/check"
)

// fieldLabels names every field and parameter of the API in Chinese, for
// the message of a 400: residents read "请填写描述", not "description: 必填".
// details.fields keeps the JSON paths for programs; a test holds this table
// to the served document (every request property and parameter has a
// label).
var fieldLabels = map[string]string{
	// Issue 29: 学法修复 (a deduction rule's repair course), audiences by deduction rule.
	"repair": "学法修复", "repairable": "可学法修复", "share_percent": "恢复比例", "deducted_under_rules": "扣分规则",
	"deducted_within_days": "扣分时间范围（天）",
	// Issue 25: the knowledge base, merging duplicates, referrals to enterprises, the calendar's import.
	"question": "问题", "source": "来源", "knowledge_id": "知识库条目", "limit": "条数", "duplicate_ids": "重复诉求",
	"resolved": "是否已整改", "response": "企业答复", "replace": "替换",
	// Issue 29: credit repair (信用修复) and audiences by credit records.
	"attempt_id": "答题记录", "survey_id": "测验", "text": "信用承诺书", "record_id": "信用记录",
	"enterprise_record_kinds": "企业信用记录类型", "enterprise_record_severities": "企业信用记录严重程度",
	"Idempotency-Key": "幂等键", "If-None-Match": "缓存标记", "aid": "审批编号", "exp": "有效期", "sig": "签名", "size": "尺寸", "action": "操作", "active": "启用状态", "actor": "操作人", "actor_id": "操作人",
	"address": "地址", "assist_department_id": "协办单位", "reason_code": "退单原因", "days": "延期天数（工作日）",
	"result": "回访结果", "instruction": "督办要求", "due_at": "督办期限", "max_returns": "退单次数上限",
	"callback_sample": "回访抽样比例", "sign_hours": "签收时限（工作小时）", "guide": "分拨指引", "state": "状态", "age_max": "最大年龄", "age_min": "最小年龄", "all": "全部", "answer": "答案", "answers": "作答",
	"approve": "审核结论", "article": "文章", "attempts_per_day": "每日答题次数", "attendance": "出勤",
	"audience": "发送对象", "author": "作者", "author_id": "作者", "avatar_url": "头像", "birth_year": "出生年份",
	"body": "内容", "capacity": "名额", "case_ref": "案件编号", "category": "类别", "client_key": "提交编号",
	"closes_at": "截止时间", "code": "编码", "cookie": "会话 Cookie", "comment": "评价", "communities": "社区", "community": "社区",
	"complaint_uscc": "被投诉企业信用代码", "contact": "联系电话", "count": "数量", "criteria": "条件",
	"daily_cap": "每日上限", "data": "数据", "date": "日期", "day": "日期", "deadline_days": "办理时限（工作日）",
	"delta": "变动", "department_id": "部门", "description": "描述", "disabled": "停用状态", "draw": "抽题",
	"echostr": "echostr", "ends_at": "结束时间", "enterprise_grades": "企业等级", "enterprise_industries": "企业行业",
	"errMsg": "授权结果", "expires_at": "到期时间", "expiry": "有效期", "expiry_days": "有效天数",
	"explanation": "解析", "external_id": "外部编号", "factor_id": "评分项", "file": "文件", "format": "格式",
	"from": "开始时间", "grade": "等级", "group_by": "分组", "hours": "时长", "id": "编号",
	"include_retired": "含停用", "industries": "行业", "industry": "行业", "items": "条目", "keywords": "模板字段",
	"kind": "类型", "latitude": "纬度", "leaderboard_opt_in": "参加排行榜", "longitude": "经度",
	"member_code": "会员码", "min_grade": "最低等级", "min_level": "最低等级", "month": "月份",
	"monthly_cap": "每月上限", "n": "数量", "name": "名称", "new_password": "新密码", "nickname": "昵称",
	"nonce": "nonce", "note": "备注", "notice": "通知", "occurred_at": "发生时间", "old_password": "原密码",
	"opens_at": "开始时间", "options": "选项", "page": "页面", "page_size": "每页条数", "page_token": "翻页标记",
	"pass_score": "及格分", "password": "密码", "per_resident_limit": "每人限兑", "phone": "手机号",
	"photos": "照片", "place": "地点", "points": "积分", "points_rule": "积分规则", "public": "公开",
	"publish_at": "发布时间", "q": "关键词", "query": "查询", "queue": "队列", "questions": "题目",
	"quiet_hours": "免打扰时段", "wechat_templates": "系统消息订阅模板", "reset": "恢复默认",
	"rating": "评分", "reason": "理由", "recurrence": "周期", "reopen": "重新办理", "require_ack": "需确认",
	"required": "必答", "resident_id": "居民", "resident_ids": "居民", "results": "结果",
	"retention_days": "保留天数", "reviewable": "待我审核", "role": "角色", "roles": "角色",
	"rule_code": "积分规则", "scope": "范围", "severity": "严重程度", "signature": "signature",
	"signup_deadline": "报名截止时间", "since": "起始日期", "sms": "短信", "sort": "排序",
	"starts_at": "开始时间", "status": "状态", "stem": "题干", "stock": "库存", "street": "街道",
	"streets": "街道", "subscribe": "订阅消息", "tag": "标签", "tags": "标签", "target_id": "对象编号",
	"target_kind": "对象类型", "template_id": "模板", "time_limit_s": "答题时限（秒）", "timestamp": "timestamp",
	"title": "标题", "to": "结束时间", "token": "令牌", "transaction_id": "积分记录", "type": "类型",
	"unread": "未读", "until": "结束时间", "uscc": "统一社会信用代码", "username": "用户名",
	"valid_from": "生效时间", "valid_until": "失效时间", "value": "取值", "verified": "核实结果",
	"version": "版本", "voucher_code": "兑换码", "waitlist": "候补", "walk_ins": "现场报名", "when": "时间",
}

// routeLabels overrides fieldLabels where a route's field has a more
// precise name for the resident who reads it.
var routeLabels = map[string]map[string]string{
	"POST /api/v1/requests": {"description": "诉求描述", "category": "诉求类别", "street": "所在街道"},
}

// fieldLabel is the Chinese name of a field path: the label of its last
// named segment ("audience.streets" → 街道), after the positions of the
// lists it is in ("questions[2].stem" → 题目第 3 项的题干, "photos[0]" →
// 照片第 1 项), and the parent's label for a map key ("answers.12" → 作答).
// A path with no label is shown as it is.
func fieldLabel(route, path string) string {
	label := func(name string) (string, bool) {
		if l, ok := routeLabels[route][name]; ok {
			return l, true
		}
		l, ok := fieldLabels[name]
		return l, ok
	}
	segs := strings.Split(path, ".")
	last := -1 // the last segment with a label
	for i := len(segs) - 1; i >= 0 && last < 0; i-- {
		name, _, _ := strings.Cut(segs[i], "[")
		if _, ok := label(name); ok {
			last = i
		}
	}
	if last < 0 {
		return path
	}
	var out []string
	for i, seg := range segs[:last+1] {
		name, idx, indexed := strings.Cut(seg, "[")
		l, ok := label(name)
		if !ok {
			l = name
		}
		n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		switch {
		case indexed && err == nil:
			out = append(out, l+"第 "+strconv.Itoa(n+1)+" 项")
		case i == last:
			out = append(out, l)
		}
	}
	return strings.Join(out, "的")
}

// fieldsMessage is the message of a 400: one Chinese sentence per bad
// field, in the order of their paths, joined by "；". "必填" reads
// "请填写…".
func fieldsMessage(route string, fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		l, m := fieldLabel(route, k), fields[k]
		if m == check.RequiredMessage {
			parts = append(parts, "请填写"+l)
		} else {
			parts = append(parts, l+"："+m)
		}
	}
	return strings.Join(parts, "；")
}
