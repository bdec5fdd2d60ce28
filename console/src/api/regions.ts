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
    streets.value = r.streets
    selfTags.value = r.self_tags
  })
  return { streets, selfTags, ready: loading }
}
