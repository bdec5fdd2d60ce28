// The signed-in staff session. The console signs in with a cookie session
// (POST /auth/staff-login with cookie: true): the token sits in an HttpOnly
// cookie that script never reads, so one sign-in serves every tab of the
// browser and survives a reload. Unsafe requests repeat the session's CSRF
// token, read from the ifutian_csrf cookie at each request (so a sign-in in
// another tab renews it here too).
//
// A request refused with 401 while signed in (expired, revoked) does not
// leave the page: it opens the sign-in dialog over it (reauth), so what the
// member was typing stays where it is. Signing out ends the session in every
// tab and drops the member's unsaved drafts.
import { reactive } from 'vue'
import type { components } from './schema'

export type StaffMe = components['schemas']['StaffMe']
export type Permission = NonNullable<StaffMe['permissions']>[number]

const expiresKey = 'ifutian.console.expires'
const signoutKey = 'ifutian.console.signout'
const draftPrefix = 'ifutian.console.draft.'

export const session = reactive({
  me: null as StaffMe | null,
  /** when the session ends, as the last sign-in in this browser said */
  expiresAt: localStorage.getItem(expiresKey) ?? '',
  /** a request was refused: the sign-in dialog shows over the page */
  reauth: false,
})

let onEnd: () => void = () => {}

/** onSessionEnd registers what happens when the member signs out (the router goes to sign-in). */
export function onSessionEnd(fn: () => void) {
  onEnd = fn
}

/** startSession records a sign-in (its expiry, for 个人信息) and closes the sign-in dialog. */
export function startSession(expiresAt: string) {
  session.expiresAt = expiresAt
  localStorage.setItem(expiresKey, expiresAt)
  session.reauth = false
}

/** needReauth opens the sign-in dialog after a refused request, if a member was signed in. */
export function needReauth() {
  if (session.me) session.reauth = true
}

/** endSession signs the member out here and in the browser's other tabs, dropping their drafts. */
export function endSession() {
  const id = session.me?.staff.id
  if (id) clearDrafts(id)
  session.me = null
  session.reauth = false
  session.expiresAt = ''
  localStorage.removeItem(expiresKey)
  localStorage.setItem(signoutKey, String(Date.now())) // other tabs hear it (storage event)
  onEnd()
}

// Another tab signed out: follow it.
window.addEventListener('storage', (e) => {
  if (e.key === signoutKey && e.newValue && session.me) {
    session.me = null
    session.reauth = false
    onEnd()
  }
})

/** csrfToken is the session's CSRF token, which unsafe requests send as X-CSRF-Token. */
export function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === 'ifutian_csrf') return decodeURIComponent(v.join('='))
  }
  return ''
}

/** draftKey is where the member's unsaved form is kept (localStorage), '' when no one is signed in. */
export function draftKey(form: string): string {
  const id = session.me?.staff.id
  return id ? `${draftPrefix}${id}.${form}` : ''
}

function clearDrafts(memberID: string) {
  const prefix = `${draftPrefix}${memberID}.`
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i)
    if (k?.startsWith(prefix)) localStorage.removeItem(k)
  }
}

/** can reports whether the signed-in member holds permission p (the API decides all the same). */
export function can(p: Permission): boolean {
  return session.me?.permissions?.includes(p) ?? false
}
