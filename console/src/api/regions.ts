// The district's streets, communities and self tags (GET /regions), loaded once.
import { shallowRef } from 'vue'
import { api, call } from './client'

export interface Street {
  name: string
  communities: string[]
}

const streets = shallowRef<Street[]>([])
const selfTags = shallowRef<string[]>([])
let loading: Promise<void> | undefined

export function useRegions() {
  loading ??= call(api.GET('/api/v1/regions')).then((r) => {
    const raw = (r as { streets?: { name?: string; communities?: string[] }[]; self_tags?: string[] }) ?? {}
    streets.value = (raw.streets ?? []).map((s) => ({ name: s.name ?? '', communities: s.communities ?? [] }))
    selfTags.value = raw.self_tags ?? []
  })
  return { streets, selfTags, ready: loading }
}
