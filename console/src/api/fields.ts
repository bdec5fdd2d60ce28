// fieldLabel names a field of the API (details.fields: "title",
// "audience.streets", "questions[0].answer") as staff read it on the form:
// "标题", "发送对象 · 街道", "第 1 题 · 正确答案". Unknown names stay as they are.
const names: Record<string, string> = {
  title: '标题', body: '正文', category: '类别', kind: '类型', name: '名称', description: '说明', reason: '理由',
  note: '处理意见', points: '积分', case_ref: '文号', code: '编号', version: '版本', username: '用户名', password: '密码',
  old_password: '原密码', new_password: '新密码', roles: '角色', streets: '街道', street: '街道', community: '社区',
  communities: '社区', tags: '标签', department_id: '部门', resident_id: '居民', resident_ids: '指定居民',
  publish_at: '发布时间', expires_at: '截止时间', opens_at: '开始时间', closes_at: '结束时间', starts_at: '开始时间',
  ends_at: '结束时间', signup_deadline: '报名截止', valid_from: '生效时间', valid_until: '失效时间', occurred_at: '发生时间',
  require_ack: '需要确认', sms: '短信', subscribe: '微信订阅消息', template_id: '模板', page: '跳转页面', data: '模板内容',
  audience: '发送对象', age_min: '最小年龄', age_max: '最大年龄', enterprise_grades: '企业等级', enterprise_industries: '企业行业',
  questions: '题目', stem: '题干', options: '选项', answer: '正确答案', type: '题型', required: '必答', score: '分值',
  draw: '随机抽题', count: '题数', time_limit_s: '限时', attempts_per_day: '每日次数', pass_score: '及格分', points_rule: '积分规则',
  recurrence: '重复', place: '地点', capacity: '名额', hours: '时长', uscc: '统一社会信用代码', industry: '行业', severity: '严重程度',
  criteria: '条件', min_grade: '最低等级', industries: '行业', notice: '通知', stock: '库存', delta: '变动', phone: '手机号',
  member_code: '居民码', voucher_code: '兑换码', rule_code: '积分规则', external_id: '业务编号',
  complaint_uscc: '被投诉企业', approve: '处理结果',
}
const ordinal: Record<string, string> = { questions: '题', options: '个选项' }

export function fieldLabel(path: string, own: Record<string, string> = {}): string {
  if (own[path]) return own[path]
  const parts: string[] = []
  for (const seg of path.split('.')) {
    const m = /^([A-Za-z_]+)\[(\d+)\]$/.exec(seg)
    if (m) {
      const [, key, i] = m
      const n = Number(i) + 1
      parts.push(ordinal[key!] ? `第 ${n} ${ordinal[key!]}` : `${names[key!] ?? key} 第 ${n} 项`)
      continue
    }
    parts.push(names[seg] ?? seg)
  }
  return parts.join(' · ')
}

/** fieldsMessage is the fields of an error as one sentence: "第 1 题 · 正确答案：必填；标题：必填". */
export function fieldsMessage(fields: Record<string, string>, own: Record<string, string> = {}): string {
  return Object.entries(fields)
    .map(([f, msg]) => `${fieldLabel(f, own)}：${msg}`)
    .join('；')
}
