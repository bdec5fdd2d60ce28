// Chinese labels of the API's codes. Each map is keyed by the enum the
// served document states for its field (schema.d.ts), so a code the server
// adds and the console does not name fails the type check (vue-tsc) instead
// of showing the bare code. Maps of fields the document gives no enum yet
// are marked "no enum in the document".
import type { components, paths } from './api/schema'
import type { Permission } from './api/session'

type S = components['schemas']
type Query<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never
type TagType = 'info' | 'warning' | 'success' | 'danger' | 'primary'

/** label names a code with its map, or shows the code itself where a map has none (a string from outside the document's enums). */
export function label<K extends string>(map: Record<K, string>, code: string | null | undefined): string {
  if (code === null || code === undefined) return '—'
  return (map as Record<string, string>)[code] ?? code
}

/** tag is the tag type a code's map gives it, if any. */
export function tag<K extends string, V>(map: Record<K, V>, code: string | null | undefined): V | undefined {
  return code === null || code === undefined ? undefined : (map as Record<string, V>)[code]
}

export type NoticeStatus = S['Notice']['status']
export type Role = NonNullable<Query<'/api/v1/admin/staff'>['role']>
export type DecisionStatus = S['EnterpriseBinding']['status'] | S['EnterpriseObjection']['status'] | S['PointsAdminAppeal']['status'] | S['ActivityHoursApproval']['status']
export type JobStatusFilter = NonNullable<Query<'/api/v1/admin/jobs'>['status']>
export type RequestQueue = NonNullable<Query<'/api/v1/admin/requests'>['queue']>

export const noticeStatus: Record<NoticeStatus, string> = {
  draft: '草稿',
  submitted: '待审核',
  approved: '已通过',
  rejected: '已驳回',
  published: '已发布',
  withdrawn: '已撤回',
  expired: '已过期',
}
export const noticeStatusType: Record<NoticeStatus, TagType> = {
  draft: 'info',
  submitted: 'warning',
  approved: 'primary',
  rejected: 'danger',
  published: 'success',
  withdrawn: 'info',
  expired: 'info',
}
export const noticeCategory: Record<S['Notice']['category'], string> = { policy: '政策', health: '健康', activity: '活动', warning: '预警' }
export const noticeAction: Record<S['NoticeEvent']['action'], string> = {
  created: '创建',
  edited: '编辑',
  submitted: '提交审核',
  approved: '审核通过',
  rejected: '驳回',
  published: '发布',
  withdrawn: '撤回',
}
export const roleName: Record<Role, string> = {
  superadmin: '超级管理员',
  dept_admin: '部门管理员',
  editor: '编辑',
  reviewer: '审核员',
  points_officer: '积分专员',
  credit_officer: '信用专员',
  verifier: '核销员',
  auditor: '审计员',
  request_officer: '接诉专员',
  dispatcher: '分拨中心',
}
export const permissionName: Record<Permission, string> = {
  'activities.checkin': '活动签到',
  'activities.manage': '管理活动',
  'activities.read': '查看活动',
  'audit.read': '查看审计日志',
  'benefits.manage': '管理惠企政策',
  'credit.repairs.courses': '设置信用修复课程',
  'credit.repairs.decide': '审核信用修复',
  'credit.write': '录入信用记录',
  'departments.manage': '管理部门',
  'enterprises.bindings.decide': '审核企业绑定',
  'enterprises.manage': '管理企业名录',
  'enterprises.objections.decide': '处理评价异议',
  'jobs.manage': '重试或取消后台任务',
  'jobs.read': '查看后台任务',
  'knowledge.manage': '管理知识库',
  'settings.manage': '修改运行设置',
  'members.resolve': '识别会员码',
  'notices.read': '查看通知',
  'notices.review': '审核通知',
  'notices.write': '撰写通知',
  'points.appeals.decide': '处理积分申诉',
  'points.award': '发放积分',
  'points.deduct': '扣减积分',
  'stats.repairs': '学法修复统计',
  'points.rules.manage': '管理积分规则',
  'requests.admin': '管理诉求类别、分派与节假日',
  'requests.handle': '办理民意速办诉求',
  'requests.read': '查看民意速办统计',
  'requests.dispatch': '分拨中心：派单、审核退单与延期、催办督办、回访',
  'requests.duties': '维护职责清单与分拨指引',
  'requests.supervise': '答复督办函',
  'residents.read': '查看居民信息',
  'rewards.manage': '管理奖品',
  'rewards.verify': '核销兑换券',
  'staff.manage': '管理人员',
  'surveys.read': '查看问卷统计',
  'surveys.write': '编辑问卷',
}
export const queueStatus: Record<DecisionStatus, string> = { pending: '待处理', approved: '已通过', rejected: '已驳回' }
export const surveyKind: Record<S['Survey']['kind'], string> = { quiz: '答题', questionnaire: '问卷', declaration: '每日申报' }
export const surveyStatus: Record<S['Survey']['status'], string> = { draft: '草稿', published: '已发布', closed: '已结束' }
export const surveyStatusType: Record<S['Survey']['status'], 'info' | 'success' | 'warning'> = { draft: 'info', published: 'success', closed: 'warning' }
export const questionType: Record<S['SurveyQuestion']['type'], string> = { single: '单选', multi: '多选', judge: '判断', text: '填空', number: '数字', rating: '评分' }
export const bindingRole: Record<S['EnterpriseBinding']['role'], string> = { legal_rep: '法定代表人', agent: '经办人' }
export const creditKind: Record<S['EnterpriseFactor']['kind'], string> = {
  penalty: '行政处罚',
  commitment_breach: '违背承诺',
  arrears: '欠缴',
  complaint: '投诉',
  honor: '荣誉表彰',
  tax_grade: '纳税信用等级',
}
export const severity: Record<S['EnterpriseFactor']['severity'], string> = { minor: '轻微', general: '一般', serious: '严重' }
export const ratingCause: Record<S['EnterpriseHistoryEntry']['cause'], string> = { created: '登记', record: '新增信用记录', objection: '异议成立', due: '到期复评', repair: '信用修复' }
export const gradeType: Record<S['EnterpriseRating']['grade'], 'success' | 'primary' | 'warning' | 'danger'> = { A: 'success', B: 'primary', C: 'warning', D: 'danger' }
export const repairStatus: Record<S['EnterpriseRecordRepair']['status'], string> = {
  none: '未申请',
  course_passed: '已通过课程',
  submitted: '待审核',
  approved: '已通过',
  rejected: '已驳回',
}
/** enterpriseField names the columns of an enterprise (and of an import line) in Chinese. */
export const enterpriseField: Record<string, string> = { uscc: '信用代码', name: '企业名称', industry: '行业', street: '街道' }

export const activityKind: Record<S['ActivityStaffView']['kind'], string> = { volunteer: '志愿服务', legal_education: '普法宣传', public_benefit: '惠民活动', other: '其他' }
export const activityStatus: Record<S['ActivityStaffView']['status'], string> = { draft: '草稿', published: '已发布', cancelled: '已取消' }
export const activityStatusType: Record<S['ActivityStaffView']['status'], 'info' | 'success' | 'danger'> = { draft: 'info', published: 'success', cancelled: 'danger' }
export const attendance: Record<S['ActivityRosterEntry']['attendance'], string> = {
  confirmed: '已报名',
  waiting: '候补',
  cancelled: '已取消',
  checked_in: '已签到',
  checked_out: '已签退',
  no_show: '未到场',
}
export const attendanceType: Record<S['ActivityRosterEntry']['attendance'], TagType> = {
  confirmed: 'primary',
  waiting: 'warning',
  cancelled: 'info',
  checked_in: 'success',
  checked_out: 'success',
  no_show: 'danger',
}
export const checkinMethod: Record<S['ActivityRosterEntry']['checkin_method'] | S['ActivityRosterEntry']['checkout_method'], string> = { venue_code: '扫现场码', member_code: '扫会员码', manual: '手工登记', '': '' }
export const pointsStatus: Record<S['ActivityRosterEntry']['points_status'] | S['SurveyResult']['points_status'], string> = { '': '—', pending: '积分发放中', granted: '已发放', refused: '未发放' }
/** pointsDetail says why an activity's points were not granted (points_detail). */
// no enum in the document (RosterEntry.points_detail)
export const pointsDetail: Record<string, string> = {
  attendance_too_short: '在场不足活动时长的一半',
  daily_cap: '已达规则每日上限',
  monthly_cap: '已达规则每月上限',
  rule_inactive: '积分规则已停用',
  rule_not_found: '积分规则不存在',
  rule_forbidden: '部门无权使用该积分规则',
  resident_not_found: '居民账号已注销',
}
export const hoursApprovalStatus: Record<S['ActivityHoursApproval']['status'], string> = { pending: '待批准', approved: '已批准', rejected: '已驳回' }

// 后台任务 (the durable job queue)
// no enum in the document (Job.kind); TestConsoleJobKinds holds it equal to
// the kinds the server registers
export const jobKind: Record<string, string> = {
  'surveys.award': '问卷积分发放',
  'activities.grant': '活动积分发放',
  'requests.settle': '诉求办结后续',
  'requests.flow_notice': '诉求延期、重办告知居民',
  'requests.merge_notice': '诉求合并告知居民',
  'requests.follow_main': '合并诉求随主件办结',
  'requests.referral_notice': '诉求转企业告知',
  'requests.delete_object': '删除已移除的照片',
  'enterprises.benefit_notice': '免申即享政策告知',
  'points.repair': '学法修复恢复积分',
}
export const jobStatus: Record<JobStatusFilter, string> = {
  queued: '排队中',
  running: '执行中',
  done: '已完成',
  failed: '已失败',
  cancelled: '已取消',
  stuck: '卡住',
}
export const jobStatusType: Record<S['Job']['status'], TagType> = {
  queued: 'primary',
  running: 'warning',
  done: 'success',
  failed: 'danger',
  cancelled: 'info',
}

/**
 * conflictReason names the rule behind a refusal (error.details.reason) in
 * Chinese, for an error that comes without a message of its own.
 */
export const conflictReason: Record<NonNullable<S['ErrorDetails']['reason']>, string> = {
  daily_cap: '已达每日上限',
  monthly_cap: '已达每月上限',
  per_resident_limit: '已达每人兑换上限',
  min_level: '等级不足',
  not_available: '不在有效期内',
  withdrawn: '已下架',
  appeal_window_closed: '已过申诉期限',
  stock_below_issued: '库存不能少于已发放数量',
  has_redemptions: '已有兑换，不能改价',
  full: '名额已满',
  closed: '报名已截止',
  cancelled: '已取消',
  ended: '已结束',
  published: '已发布，不再是草稿',
  outside_window: '不在签到或签退时间内',
  not_signed_up: '未报名',
  waiting: '仍在候补',
  not_checked_in: '尚未签到',
  not_started: '活动尚未开始，开始后才能签退',
  checked_in: '已签到，不能取消',
  invalid: '无效',
  expired: '已过期',
  system_notice: '系统消息不是部门通知，不能修改、审核或撤回',
  repaired: '已学法修复',
  not_repairable: '不适用学法修复',
  under_appeal: '申诉处理中',
  appeal_upheld: '申诉已成立',
}

/** fmtTime shows an RFC 3339 time in the district's zone. */
export function fmtTime(t?: string | null): string {
  if (!t) return '—'
  const d = new Date(t)
  if (Number.isNaN(d.getTime())) return t
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

/**
 * fmtDeadline shows a deadline. The API states a deadline that means "by the
 * end of a day" as the instant that day ends: midnight, district time, of
 * the next day (a request's deadline_at, a deduction's appeal_deadline).
 * Such a deadline shows as the day itself, "1月6日（周三）" (with the year
 * when it is not this year), not "2027/1/7 00:00:00"; any other instant as
 * fmtTime does.
 */
export function fmtDeadline(t?: string | null): string {
  if (!t) return '—'
  const at = new Date(t)
  if (Number.isNaN(at.getTime())) return t
  const local = new Date(at.getTime() + 8 * 3600_000) // district wall clock, read in UTC
  if (local.getUTCHours() !== 0 || local.getUTCMinutes() !== 0 || local.getUTCSeconds() !== 0 || local.getUTCMilliseconds() !== 0) return fmtTime(t)
  const day = new Date(local.getTime() - 24 * 3600_000)
  const year = day.getUTCFullYear() === Number(districtToday().slice(0, 4)) ? '' : `${day.getUTCFullYear()}年`
  return `${year}${day.getUTCMonth() + 1}月${day.getUTCDate()}日（周${'日一二三四五六'[day.getUTCDay()]}）`
}

/** districtToday is today's date in the district (UTC+8), YYYY-MM-DD. */
export function districtToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
}

export function pct(x?: number): string {
  return x === undefined ? '—' : (x * 100).toFixed(1) + '%'
}

// 民意速办
export const requestStatus: Record<S['RequestStaffView']['status'], string> = {
  dispatching: '待分拨',
  submitted: '待签收',
  dispatched: '已派单待签收',
  transferred: '已转办待签收',
  returned: '退单待审',
  signed: '已签收',
  callback: '待回访',
  accepted: '已受理',
  in_progress: '办理中',
  answered: '已答复',
  closed: '已办结',
  merged: '已合并办理',
  with_enterprise: '企业先行处理中',
}
export const requestStatusType: Record<S['RequestStaffView']['status'], TagType> = {
  dispatching: 'danger',
  dispatched: 'warning',
  returned: 'danger',
  signed: 'primary',
  callback: 'warning',
  submitted: 'warning',
  transferred: 'warning',
  accepted: 'primary',
  in_progress: 'primary',
  answered: 'success',
  closed: 'info',
  merged: 'info',
  with_enterprise: 'warning',
}
export const requestAction: Record<S['RequestStep']['action'], string> = {
  submitted: '提交',
  accepted: '受理',
  transferred: '转办',
  started: '开始办理',
  answered: '答复',
  rated: '评价',
  reopened: '评价不满意，重新办理',
  closed: '办结',
  escalated: '超时未受理，已督办',
  merged: '合并到其他诉求',
  merged_in: '合并重复诉求',
  unmerged: '取消合并',
  answered_merged: '随主诉求答复',
  referred: '转企业先行处理',
  ent_replied: '企业已答复',
  ent_window_ended: '企业未按期答复',
  dispatched: '派单',
  signed: '签收',
  returned: '退单',
  return_refused: '驳回退单',
  ext_asked: '申请延期',
  ext_approved: '同意延期',
  ext_refused: '不同意延期',
  urged: '催办',
  supervised: '督办',
  sup_answered: '答复督办函',
  called_back: '回访',
  redone: '回访不满意，重办',
}
export const returnReason: Record<string, string> = {
  not_our_duty: '不属于本单位职责',
  insufficient_info: '诉求信息不全，无法办理',
  duplicate: '重复诉求',
  out_of_district: '不属于本区管辖',
  other: '其他',
}
export const decisionName: Record<string, string> = { pending: '待审批', approved: '已同意', refused: '未同意' }
export const callbackResult: Record<string, string> = { satisfied: '满意', unsatisfied: '不满意' }
// 剩余时限: what is left until a deadline, as staff say it, and its colour.
export function remaining(deadline?: string, now = Date.now()): { text: string; type: 'success' | 'warning' | 'danger' } {
  if (!deadline) return { text: '—', type: 'success' }
  const ms = new Date(deadline).getTime() - now
  const hours = Math.floor(Math.abs(ms) / 3_600_000)
  const text = hours >= 24 ? `${Math.floor(hours / 24)} 天 ${hours % 24} 小时` : `${hours} 小时`
  if (ms < 0) return { text: '超期 ' + text, type: 'danger' }
  return { text, type: ms < 24 * 3_600_000 ? 'warning' : 'success' }
}
export const requestQueue: Record<RequestQueue | '', string> = {
  sign: '待签收',
  assisting: '协办',
  dispatch: '待分拨',
  returns: '退单待审',
  extensions: '延期待批',
  callback: '待回访',
  new: '待受理',
  open: '办理中',
  due_soon: '即将到期',
  overdue: '已超期',
  escalated: '督办',
  flagged: '内容风险',
  '': '全部',
}
export const contentCheck: Record<string, string> = { none: '无需检测', queued: '待检测', sent: '检测中', pass: '通过', review: '待人工复核', risky: '有风险' }
