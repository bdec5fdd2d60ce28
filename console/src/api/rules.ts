// The earning rules in force (GET /points/rules), loaded once per page
// load: the pickers choose a rule by its name, and screens name a rule
// instead of showing its code.
import { shallowRef } from 'vue'
import { api, call, type Schemas } from './client'

const rules = shallowRef<Schemas['PointsRule'][]>([])
let loading: Promise<void> | undefined

async function loadAll() {
  const all: Schemas['PointsRule'][] = []
  let token: string | undefined
  // Every page (a district has tens of rules, not thousands).
  for (let i = 0; i < 20; i++) {
    const p = await call(api.GET('/api/v1/points/rules', { params: { query: { page_size: 100, page_token: token } } }))
    all.push(...(p.items ?? []))
    token = p.next_page_token || undefined
    if (!token) break
  }
  rules.value = all
}

export function usePointsRules() {
  loading ??= loadAll().catch((e) => {
    loading = undefined // try again next time
    throw e
  })
  return { rules, ready: loading }
}

/** ruleName names the rule of a code ("志愿服务（20 分）"), or the code itself if it is not in force. */
export function ruleName(code: string | null | undefined): string {
  if (!code) return ''
  const r = rules.value.find((x) => x.code === code)
  return r ? `${r.name}（${r.points} 分）` : code
}
