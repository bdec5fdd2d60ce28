// useFieldErrors shows an API error beside the form fields it names
// (error.details.fields) and, on top, those fields by their labels (or the
// message, when it names none).
import { reactive, ref } from 'vue'
import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import { ApiError } from './client'
import { fieldsMessage } from './fields'

/** labels names this form's fields where the common names (fields.ts) do not fit. */
export function useFieldErrors(labels: Record<string, string> = {}) {
  /** errors maps a field name as the API spells it (e.g. "audience.streets") to its message. */
  const errors = reactive<Record<string, string>>({})
  const busy = ref(false)

  function clear() {
    for (const k of Object.keys(errors)) delete errors[k]
  }

  /** run calls fn, clearing old errors; an ApiError fills errors and shows its message. */
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    clear()
    busy.value = true
    try {
      return await fn()
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
      Object.assign(errors, e.fields)
      // Each named field in Chinese and where it is on the form (第 1 题 ·
      // 正确答案：必填), not the API's field paths.
      const named = Object.keys(e.fields).length > 0
      ElMessage.error({ message: named ? fieldsMessage(e.fields, labels) : e.message, grouping: true })
      return undefined
    } finally {
      busy.value = false
    }
  }

  return { errors, busy, run, clear }
}

/** notify shows an API error (or any error) as a message. */
export function showError(e: unknown) {
  ElMessage.error({ message: e instanceof Error ? e.message : String(e), grouping: true })
}
