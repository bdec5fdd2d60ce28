// The console's screens. Adding a screen is one file under screens/ and
// one entry here: its path, title, the permission it needs and, for the
// menu, its group. The layout builds the menu from this table, showing
// only what the member may use; the API still refuses everything else.
import type { Component } from 'vue'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { loadMe } from './api/client'
import { can, onSessionEnd, session, type Permission } from './api/session'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    perm?: Permission
    /** menu group; screens without one are reached from other screens */
    menu?: MenuGroup
    public?: boolean
    /** the screen shows residents' personal data: the layout lays a watermark with the member's name over it */
    personal?: boolean
  }
}

export type MenuGroup = '工作台' | '民意速办' | '通知公告' | '个人积分' | '企业评价' | '问卷答题' | '活动志愿' | '法治数据' | '系统管理'
export const menuGroups: MenuGroup[] = ['工作台', '民意速办', '通知公告', '个人积分', '企业评价', '问卷答题', '活动志愿', '法治数据', '系统管理']

const screen = (path: string, title: string, component: () => Promise<{ default: Component }>, meta: RouteRecordRaw['meta'] = {}): RouteRecordRaw => ({
  path,
  component,
  meta: { title, ...meta },
})

export const screens: RouteRecordRaw[] = [
  screen('', '待办概览', () => import('./screens/Home.vue'), { menu: '工作台' }),
  screen('me', '个人信息', () => import('./screens/Profile.vue'), { menu: '工作台' }),

  screen('requests', '诉求队列', () => import('./screens/RequestQueue.vue'), { menu: '民意速办', perm: 'requests.handle' }),
  screen('requests/stats', '办理统计', () => import('./screens/RequestStats.vue'), { menu: '民意速办', perm: 'requests.read' }),
  screen('requests/settings', '类别与分派', () => import('./screens/RequestSettings.vue'), { menu: '民意速办', perm: 'requests.read' }),
  screen('requests/knowledge', '知识库', () => import('./screens/Knowledge.vue'), { menu: '民意速办', perm: 'knowledge.manage' }),
  screen('requests/dispatch', '分拨中心', () => import('./screens/DispatchQueue.vue'), { menu: '民意速办', perm: 'requests.dispatch' as Permission }),
  screen('requests/flow-stats', '工单统计', () => import('./screens/WorkOrderStats.vue'), { menu: '民意速办', perm: 'requests.read' }),
  screen('requests/supervisions', '督办函', () => import('./screens/Supervisions.vue'), { menu: '民意速办', perm: 'requests.read' }),
  screen('requests/:id/work-order', '工单', () => import('./screens/RequestWorkOrder.vue'), { perm: 'requests.read', personal: true }),
  screen('requests/:id', '诉求详情', () => import('./screens/RequestDetail.vue'), { perm: 'requests.read', personal: true }),

  screen('notices', '通知列表', () => import('./screens/NoticeList.vue'), { menu: '通知公告', perm: 'notices.read' }),
  screen('notices/new', '撰写通知', () => import('./screens/NoticeCompose.vue'), { menu: '通知公告', perm: 'notices.write' }),
  screen('notices/review', '审核队列', () => import('./screens/NoticeReview.vue'), { menu: '通知公告', perm: 'notices.review' }),
  screen('notices/:id', '通知详情', () => import('./screens/NoticeDetail.vue'), { perm: 'notices.read' }),
  screen('notices/:id/edit', '编辑通知', () => import('./screens/NoticeCompose.vue'), { perm: 'notices.write' }),

  screen('points/award', '发放积分', () => import('./screens/PointsAward.vue'), { menu: '个人积分', perm: 'points.award', personal: true }),
  screen('points/deduct', '扣减记录', () => import('./screens/PointsDeduct.vue'), { menu: '个人积分', perm: 'points.deduct', personal: true }),
  screen('points/appeals', '申诉处理', () => import('./screens/PointsAppeals.vue'), { menu: '个人积分', perm: 'points.appeals.decide' }),
  screen('points/rules', '积分规则', () => import('./screens/PointsRules.vue'), { menu: '个人积分', perm: 'points.rules.manage' }),
  screen('points/rewards', '兑换奖品', () => import('./screens/Rewards.vue'), { menu: '个人积分', perm: 'rewards.manage' }),

  screen('enterprises', '企业名录', () => import('./screens/Enterprises.vue'), { menu: '企业评价', perm: 'enterprises.manage' }),
  screen('enterprises/new', '登记与导入', () => import('./screens/EnterpriseNew.vue'), { menu: '企业评价', perm: 'enterprises.manage' }),
  screen('enterprises/records', '信用记录', () => import('./screens/CreditRecords.vue'), { menu: '企业评价', perm: 'credit.write' }),
  screen('enterprises/credit', '录入信用记录', () => import('./screens/CreditRecord.vue'), { menu: '企业评价', perm: 'credit.write' }),
  screen('enterprises/bindings', '绑定审核', () => import('./screens/Bindings.vue'), { menu: '企业评价', perm: 'enterprises.bindings.decide' }),
  screen('enterprises/objections', '异议处理', () => import('./screens/Objections.vue'), { menu: '企业评价', perm: 'enterprises.objections.decide' }),
  screen('enterprises/repairs', '信用修复', () => import('./screens/CreditRepairs.vue'), { menu: '企业评价', perm: 'credit.repairs.decide' }),
  screen('enterprises/repair-courses', '信用修复课程', () => import('./screens/RepairCourses.vue'), { menu: '企业评价', perm: 'credit.repairs.courses' }),
  screen('enterprises/benefits', '惠企政策', () => import('./screens/Benefits.vue'), { menu: '企业评价', perm: 'benefits.manage' }),
  screen('enterprises/benefits/:id', '政策匹配', () => import('./screens/BenefitProgram.vue'), { perm: 'benefits.manage' }),
  screen('enterprises/:uscc', '企业详情', () => import('./screens/EnterpriseDetail.vue'), { perm: 'enterprises.manage' }),

  screen('surveys', '问卷与答题', () => import('./screens/Surveys.vue'), { menu: '问卷答题', perm: 'surveys.read' }),
  screen('surveys/new', '新建问卷', () => import('./screens/SurveyCreate.vue'), { menu: '问卷答题', perm: 'surveys.write' }),
  screen('surveys/questions', '题库', () => import('./screens/Questions.vue'), { menu: '问卷答题', perm: 'surveys.read' }),
  screen('surveys/:id/edit', '编辑问卷', () => import('./screens/SurveyCreate.vue'), { perm: 'surveys.write' }),
  screen('surveys/:id', '问卷统计', () => import('./screens/SurveyStats.vue'), { perm: 'surveys.read', personal: true }),

  screen('activities', '活动列表', () => import('./screens/ActivityList.vue'), { menu: '活动志愿', perm: 'activities.read' }),
  screen('activities/new', '新建活动', () => import('./screens/ActivityEdit.vue'), { menu: '活动志愿', perm: 'activities.manage' }),
  screen('activities/stats', '活动统计', () => import('./screens/ActivityStats.vue'), { menu: '活动志愿', perm: 'activities.read' }),
  screen('activities/:id/sheet', '活动签到表', () => import('./screens/ActivitySheet.vue'), { perm: 'activities.read', personal: true }),
  screen('activities/:id', '活动详情', () => import('./screens/ActivityDetail.vue'), { perm: 'activities.read', personal: true }),
  screen('activities/:id/edit', '修改活动', () => import('./screens/ActivityEdit.vue'), { perm: 'activities.manage' }),
  screen('stats/repairs', '学法修复统计', () => import('./screens/RepairStats.vue'), { menu: '法治数据', perm: 'stats.repairs' }),
  screen('staff', '人员管理', () => import('./screens/Staff.vue'), { menu: '系统管理', perm: 'staff.manage' }),
  screen('departments', '部门', () => import('./screens/Departments.vue'), { menu: '系统管理', perm: 'staff.manage' }),
  screen('audit', '审计日志', () => import('./screens/AuditLog.vue'), { menu: '系统管理', perm: 'audit.read' }),
  screen('jobs', '后台任务', () => import('./screens/Jobs.vue'), { menu: '系统管理', perm: 'jobs.read' }),
  screen('settings', '运行设置', () => import('./screens/Settings.vue'), { menu: '系统管理', perm: 'settings.manage' }),
]

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./screens/Login.vue'), meta: { title: '登录', public: true } },
  // The venue page stands alone: a phone at 375 px has no room for the menu.
  { path: '/verify', component: () => import('./screens/VoucherVerify.vue'), meta: { title: '核销兑换券', perm: 'rewards.verify' } },
  { path: '/door/:id', component: () => import('./screens/ActivityDoor.vue'), meta: { title: '现场签到', perm: 'activities.checkin' } },
  { path: '/', component: () => import('./screens/Layout.vue'), children: screens },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.me) {
    // The session cookie, if any, says who is signed in (another tab's
    // sign-in counts); without one, sign in.
    try {
      await loadMe()
    } catch {
      return { path: '/login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
  }
  if (to.meta.perm && !can(to.meta.perm)) {
    ElMessage.warning('您没有该页面的权限')
    return { path: '/' }
  }
  return true
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' · ' : '') + 'i福田部门工作台'
})

onSessionEnd(() => {
  const current = router.currentRoute.value
  if (!current.meta.public) router.push('/login')
})
