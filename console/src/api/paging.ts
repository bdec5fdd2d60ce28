// useCursorPager pages through a list with the API's cursors: it keeps the
// tokens of the pages seen so "上一页" goes back without offsets.
import { computed, ref, shallowRef } from 'vue'
import { showError } from './form'

export interface Page<T> {
  items?: T[]
  next_page_token?: string
}

export function useCursorPager<T>(fetchPage: (pageToken: string) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([])
  const loading = ref(false)
  const tokens = ref<string[]>(['']) // tokens[i] fetches page i
  const index = ref(0)
  const next = ref('')

  async function load(i: number) {
    loading.value = true
    try {
      const p = await fetchPage(tokens.value[i] ?? '')
      items.value = p.items ?? []
      next.value = p.next_page_token ?? ''
      index.value = i
      if (next.value) tokens.value[i + 1] = next.value
    } catch (e) {
      showError(e)
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
