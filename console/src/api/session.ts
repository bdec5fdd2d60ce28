// The signed-in staff session. The token lives in memory and in
// sessionStorage (so a reload keeps it, and closing the tab drops it), never
// in localStorage or a cookie. It is dropped on sign-out, on any 401, and
// when expires_at passes: a timer signs the member out at that moment.
import { reactive } from 'vue'
import type { components } from './schema'

export type StaffMe = components['schemas']['StaffMe']
export type Permission = NonNullable<StaffMe['permissions']>[number]

const storageKey = 'ifutian.console.session'
// setTimeout takes at most 2^31-1 ms; a 12 h token is far below it.
const maxDelay = 2 ** 31 - 1

interface Stored {
  token: string
  expiresAt: string
}

export const session = reactive({
  token: '',
  expiresAt: '',
  me: null as StaffMe | null,
})

let timer: ReturnType<typeof setTimeout> | undefined
let onEnd: (reason: EndReason) => void = () => {}

export type EndReason = 'signed_out' | 'expired' | 'unauthenticated'

/** onSessionEnd registers what happens when the session ends (the router sends the member to sign-in). */
export function onSessionEnd(fn: (reason: EndReason) => void) {
  onEnd = fn
}

/** startSession keeps a token from /auth/staff-login until its expiry. */
export function startSession(token: string, expiresAt: string) {
  session.token = token
  session.expiresAt = expiresAt
  sessionStorage.setItem(storageKey, JSON.stringify({ token, expiresAt } satisfies Stored))
  schedule()
}

/** endSession forgets the token and the member everywhere. */
export function endSession(reason: EndReason) {
  const had = session.token !== ''
  session.token = ''
  session.expiresAt = ''
  session.me = null
  sessionStorage.removeItem(storageKey)
  clearTimeout(timer)
  if (had) onEnd(reason)
}

/** restoreSession picks up the token of this tab after a reload, unless it has expired. */
export function restoreSession() {
  const raw = sessionStorage.getItem(storageKey)
  if (!raw) return
  try {
    const s = JSON.parse(raw) as Stored
    if (typeof s.token === 'string' && s.token && Date.parse(s.expiresAt) > Date.now()) {
      session.token = s.token
      session.expiresAt = s.expiresAt
      schedule()
      return
    }
  } catch {
    // a damaged entry is dropped below
  }
  sessionStorage.removeItem(storageKey)
}

function schedule() {
  clearTimeout(timer)
  const left = Date.parse(session.expiresAt) - Date.now()
  if (!(left > 0)) {
    endSession('expired')
    return
  }
  timer = setTimeout(() => {
    if (Date.parse(session.expiresAt) <= Date.now()) endSession('expired')
    else schedule()
  }, Math.min(left, maxDelay))
}

/** can reports whether the signed-in member holds permission p (the API decides all the same). */
export function can(p: Permission): boolean {
  return session.me?.permissions?.includes(p) ?? false
}
