// useCursorPager pages through a list with the API's cursors: it keeps the
// tokens of the pages seen so "上一页" goes back without offsets. Every list
// of the console pages with it and shows <CursorPager> under its table.
//
// With a key, the page is kept in the address: ?page=3&cursor=t2&cursor=t3
// (key "roster": roster_page, roster_cursor) holds the page number and the
// tokens of pages 2…n, so a reload, a shared link or coming back to the
// list shows the same page; page 1 leaves the address clean. A list in a
// dialog or a second list of a screen without a key pages in memory only.
//
// With filters too (a reactive object of the list's filters: strings,
// numbers, booleans, string lists such as a date range), the filters go
// into the address beside the page (roster_status=… for key "roster"):
// they are read from it when the list is made and written each time a page
// loads, so reload and back keep both. A filter at its initial value stays
// out of the address. Every list keeps its filters this way.
import { computed, ref, shallowRef } from 'vue'
import { useRouter, type LocationQuery } from 'vue-router'
import { showError } from './form'

export interface Page<T> {
  items?: T[]
  next_page_token?: string
  /** total is how many items the filters match (lists that count them), capped: more than total match. */
  total?: number | null
  total_capped?: boolean
}

export interface CursorPagerOptions {
  /** key keeps the page in the address under this name ('' for page and cursor). */
  key?: string
  /** filters keeps these filters in the address too (with a key only). */
  filters?: Record<string, unknown>
}

type FilterValue = string | number | boolean | string[]

/** filtersFromAddress sets each filter the address holds, typed as its initial value. */
function filtersFromAddress(filters: Record<string, unknown>, q: LocationQuery, prefix: string) {
  for (const [name, initial] of Object.entries(filters)) {
    const raw = q[prefix + name]
    if (raw === undefined || raw === null) continue
    const list = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
    if (Array.isArray(initial)) filters[name] = list
    else if (list.length === 0) continue
    else if (typeof initial === 'boolean') filters[name] = list[0] === 'true'
    else if (typeof initial === 'number') {
      const n = Number(list[0])
      if (Number.isFinite(n)) filters[name] = n
    } else filters[name] = list[0]
  }
}

/** filtersToAddress writes each filter away from its initial value into query (and removes the others). */
function filtersToAddress(filters: Record<string, unknown>, initial: Record<string, string>, query: LocationQuery, prefix: string) {
  for (const [name, v] of Object.entries(filters) as [string, FilterValue][]) {
    delete query[prefix + name]
    if (JSON.stringify(v) === initial[name] || v === null || v === undefined) continue
    if (Array.isArray(v)) query[prefix + name] = v.map(String)
    else query[prefix + name] = String(v)
  }
}

/**
 * useAddressFilters keeps a screen's filters in the address the way the
 * lists do, for a screen without pages (a statistics screen): the filters
 * are read from the address now, and save() writes those away from their
 * initial values back (replacing the entry, as a list's page does). The
 * layout makes a screen anew when its address changes, so save() reports
 * whether it changed the address: if not, the screen reloads by itself.
 */
export function useAddressFilters(filters: Record<string, unknown>) {
  const router = useRouter()
  const initial: Record<string, string> = {}
  for (const [name, v] of Object.entries(filters)) initial[name] = JSON.stringify(v)
  filtersFromAddress(filters, router.currentRoute.value.query, '')
  return {
    save(): boolean {
      const current = router.currentRoute.value.query
      const query: LocationQuery = { ...current }
      filtersToAddress(filters, initial, query, '')
      if (JSON.stringify(sorted(current)) === JSON.stringify(sorted(query))) return false
      router.replace({ query })
      return true
    },
  }
}

export function useCursorPager<T>(fetchPage: (pageToken: string) => Promise<Page<T>>, options: CursorPagerOptions = {}) {
  const items = shallowRef<T[]>([])
  const loading = ref(false)
  const tokens = ref<string[]>(['']) // tokens[i] fetches page i
  const index = ref(0)
  const next = ref('')
  const total = ref<number | undefined>(undefined)
  const totalCapped = ref(false)
  const router = options.key === undefined ? undefined : useRouter()
  const pageKey = options.key ? options.key + '_page' : 'page'
  const cursorKey = options.key ? options.key + '_cursor' : 'cursor'
  const prefix = options.key ? options.key + '_' : ''
  const filters = router ? options.filters : undefined
  const initialFilters: Record<string, string> = {}
  if (filters) {
    for (const [name, v] of Object.entries(filters)) initialFilters[name] = JSON.stringify(v)
    filtersFromAddress(filters, router!.currentRoute.value.query, prefix)
  }

  function fromAddress(q: LocationQuery): { i: number; tokens: string[] } {
    const n = Number(q[pageKey])
    const raw = q[cursorKey]
    const cursors = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((c): c is string => typeof c === 'string' && c !== '')
    if (!Number.isInteger(n) || n < 2 || cursors.length !== n - 1) return { i: 0, tokens: [''] }
    return { i: n - 1, tokens: ['', ...cursors] }
  }

  function toAddress() {
    if (!router) return
    const current = router.currentRoute.value.query
    const query: LocationQuery = { ...current }
    delete query[pageKey]
    delete query[cursorKey]
    if (index.value > 0) {
      query[pageKey] = String(index.value + 1)
      query[cursorKey] = tokens.value.slice(1, index.value + 1)
    }
    if (filters) filtersToAddress(filters, initialFilters, query, prefix)
    if (JSON.stringify(sorted(current)) === JSON.stringify(sorted(query))) return
    router.replace({ query })
  }

  async function load(i: number): Promise<boolean> {
    loading.value = true
    try {
      const p = await fetchPage(tokens.value[i] ?? '')
      items.value = p.items ?? []
      next.value = p.next_page_token ?? ''
      total.value = p.total ?? undefined
      totalCapped.value = p.total_capped ?? false
      index.value = i
      tokens.value.length = i + 1
      if (next.value) tokens.value[i + 1] = next.value
      toAddress()
      return true
    } catch (e) {
      showError(e)
      return false
    } finally {
      loading.value = false
    }
  }

  return {
    items,
    loading,
    page: computed(() => index.value + 1),
    hasNext: computed(() => next.value !== ''),
    hasPrev: computed(() => index.value > 0),
    /** total is the list's count, if its endpoint gives one; totalCapped: more than that. */
    total: computed(() => total.value),
    totalCapped: computed(() => totalCapped.value),
    /** open shows the page the address holds (page 1 without one): a screen's first load. */
    open: async () => {
      if (!router) return load(0)
      const at = fromAddress(router.currentRoute.value.query)
      tokens.value = at.tokens
      // A cursor that no longer fits (a stale link) starts again from page 1.
      if (!(await load(at.i)) && at.i > 0) {
        tokens.value = ['']
        return load(0)
      }
      return true
    },
    /** reload starts again from the first page (after a filter changes). */
    reload: () => {
      tokens.value = ['']
      return load(0)
    },
    refresh: () => load(index.value),
    nextPage: () => load(index.value + 1),
    prevPage: () => load(Math.max(0, index.value - 1)),
  }
}

function sorted(q: LocationQuery): [string, unknown][] {
  return Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]): [string, unknown] => [k, Array.isArray(v) ? v : [v]])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

export type CursorPager = ReturnType<typeof useCursorPager>
