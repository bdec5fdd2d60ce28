// The typed client of /api/v1. Paths, parameters and bodies are checked
// against schema.d.ts, generated from the server's OpenAPI document, so a
// contract change fails the console's type check rather than a screen.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'
import { conflictReason, label } from '../labels'
import { csrfToken, needReauth, session } from './session'

export type Schemas = components['schemas']

/** ApiError is the contract's error body: its code, message and the fields it names. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string>
  readonly details: Record<string, unknown>

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
    const f = details.fields
    this.fields = f && typeof f === 'object' ? (f as Record<string, string>) : {}
  }
}

const safe = new Set(['GET', 'HEAD', 'OPTIONS'])

const auth: Middleware = {
  onRequest({ request }) {
    // The session cookie goes by itself; unsafe requests repeat its CSRF token.
    if (!safe.has(request.method)) request.headers.set('X-CSRF-Token', csrfToken())
    return request
  },
  onResponse({ request, response }) {
    // A refused session (expired, revoked, disabled account) asks for the
    // password again over the page; a wrong password at sign-in is not that.
    if (response.status === 401 && !request.url.endsWith('/auth/staff-login')) needReauth()
    return response
  },
}

export const api = createClient<paths>({ baseUrl: '' })
api.use(auth)

interface Result<T> {
  data?: T
  error?: unknown
  response: Response
}

/** call unwraps a client call: its data, or an ApiError. */
export async function call<T>(p: Promise<Result<T>>): Promise<T> {
  let r: Result<T>
  try {
    r = await p
  } catch (e) {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试', { cause: String(e) })
  }
  if (r.response.ok) return r.data as T
  throw toApiError(r.response.status, r.error)
}

function toApiError(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error
  if (e?.code) {
    // The server's message is Chinese; without one, the rule refused (details.reason) is named.
    const reason = e.details?.reason
    return new ApiError(status, e.code, e.message || (typeof reason === 'string' && label(conflictReason, reason)) || e.code, e.details ?? {})
  }
  return new ApiError(status, 'internal', `服务器返回 ${status}`)
}

/** download fetches a file with the session cookie and hands it to the browser as a download. */
export async function download(url: string, fallbackName: string) {
  const res = await fetch(url)
  if (!res.ok) {
    if (res.status === 401) needReauth()
    let body: unknown
    try {
      body = await res.json()
    } catch {
      body = undefined
    }
    throw toApiError(res.status, body)
  }
  const blob = await res.blob()
  const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = m?.[1] ?? fallbackName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

/** loadMe fetches who the signed-in member is and what they may do. */
export async function loadMe() {
  session.me = await call(api.GET('/api/v1/admin/me'))
  return session.me
}
