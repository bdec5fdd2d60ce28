// useCursorPager pages through a list with the API's cursors: it keeps the
// tokens of the pages seen so "上一页" goes back without offsets. Every list
// of the console pages with it and shows <CursorPager> under its table.
//
// With a key, the page is kept in the address: ?page=3&cursor=t2&cursor=t3
// (key "roster": roster_page, roster_cursor) holds the page number and the
// tokens of pages 2…n, so a reload, a shared link or coming back to the
// list shows the same page; page 1 leaves the address clean. A list in a
// dialog or a second list of a screen without a key pages in memory only.
import { computed, ref, shallowRef } from 'vue'
import { useRouter, type LocationQuery } from 'vue-router'
import { showError } from './form'

export interface Page<T> {
  items?: T[]
  next_page_token?: string
}

export interface CursorPagerOptions {
  /** key keeps the page in the address under this name ('' for page and cursor). */
  key?: string
}

export function useCursorPager<T>(fetchPage: (pageToken: string) => Promise<Page<T>>, options: CursorPagerOptions = {}) {
  const items = shallowRef<T[]>([])
  const loading = ref(false)
  const tokens = ref<string[]>(['']) // tokens[i] fetches page i
  const index = ref(0)
  const next = ref('')
  const router = options.key === undefined ? undefined : useRouter()
  const pageKey = options.key ? options.key + '_page' : 'page'
  const cursorKey = options.key ? options.key + '_cursor' : 'cursor'

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
    if (String(current[pageKey] ?? '') === String(query[pageKey] ?? '') && JSON.stringify(current[cursorKey] ?? []) === JSON.stringify(query[cursorKey] ?? [])) return
    router.replace({ query })
  }

  async function load(i: number): Promise<boolean> {
    loading.value = true
    try {
      const p = await fetchPage(tokens.value[i] ?? '')
      items.value = p.items ?? []
      next.value = p.next_page_token ?? ''
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

export type CursorPager = ReturnType<typeof useCursorPager>
