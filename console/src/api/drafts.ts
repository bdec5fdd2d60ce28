// useDraft keeps an unsaved form in localStorage, under the signed-in member
// and the form's name, so it outlives a reload, a re-login and a closed tab.
// It is dropped once the form is saved (clear) and when the member signs
// out (session.endSession).
import { onBeforeUnmount, ref, watch } from 'vue'
import { draftKey, session } from './session'

export function useDraft<T>(form: string, get: () => T, set: (v: T) => void) {
  const key = draftKey(form)
  /** restored: the form shows a draft kept from before */
  const restored = ref(false)
  let baseline = ''
  let started = false

  function write() {
    // Signed out (the drafts were dropped): keep nothing more.
    if (!started || !key || !session.me) return
    const v = JSON.stringify(get())
    if (v === baseline) localStorage.removeItem(key)
    else localStorage.setItem(key, v)
  }
  const stop = watch(get, write, { deep: true })
  onBeforeUnmount(() => {
    write()
    stop()
  })

  /** start puts a kept draft back and keeps the form from now on; call it once the form holds what it edits. */
  function start() {
    baseline = JSON.stringify(get())
    const raw = key ? localStorage.getItem(key) : null
    if (raw && raw !== baseline) {
      try {
        set(JSON.parse(raw) as T)
        restored.value = true
      } catch {
        localStorage.removeItem(key)
      }
    }
    started = true
  }

  /** clear forgets the draft (the form was saved). */
  function clear() {
    started = false
    restored.value = false
    if (key) localStorage.removeItem(key)
  }

  /** discard puts the form back as it was before the draft. */
  function discard() {
    set(JSON.parse(baseline) as T)
    restored.value = false
    if (key) localStorage.removeItem(key)
  }

  return { restored, start, clear, discard }
}
