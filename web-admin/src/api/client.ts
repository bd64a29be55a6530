import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import i18n from "../i18n";
import { errorText, type Translate } from "../lib/forms";

export type Schemas = components["schemas"];

/**
 * The one error shape of every endpoint, as an exception. message is in the
 * reader's language, translated by the error's code and its fields' codes and
 * paths; serverMessage is the server's English text (the fallback).
 */
export class ApiError extends Error {
  status: number;
  code: string;
  fields: { field: string; code: string; message: string }[];
  requestId: string;
  serverMessage: string;
  constructor(status: number, body: Schemas["api.ErrorBody"] | undefined, t: Translate = i18n.t.bind(i18n) as Translate) {
    const e = body?.error;
    const code = e?.code || "http_" + status;
    const fields = (e?.fields as ApiError["fields"]) || [];
    const serverMessage = e?.message || `HTTP ${status}`;
    super(errorText({ code, fields, message: serverMessage, serverMessage }, t));
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.requestId = e?.request_id || "";
    this.serverMessage = serverMessage;
  }
}

const KEY = "shoplet.session";

export interface Session {
  access: string;
  refresh: string;
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || "null");
    return s && s.access ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null) {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((l) => l(s));
}

const listeners = new Set<(s: Session | null) => void>();
export function onSession(l: (s: Session | null) => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

let refreshing: Promise<Session | null> | null = null;

// refresh rotates the refresh token once for all requests that saw a 401.
async function refresh(): Promise<Session | null> {
  const s = loadSession();
  if (!s?.refresh) return null;
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: s.refresh }),
  })
    .then(async (r) => {
      if (!r.ok) {
        saveSession(null);
        return null;
      }
      const t = await r.json();
      const next = { access: t.access_token, refresh: t.refresh_token };
      saveSession(next);
      return next;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** fetch with the session's bearer token; a 401 refreshes the session once and retries. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const s = loadSession();
  if (s) input.headers.set("Authorization", "Bearer " + s.access);
  const res = await fetch(input);
  if (res.status !== 401 || !s || input.url.includes("/api/v1/auth/")) return res;
  const next = await refresh();
  if (!next) return res;
  retry.headers.set("Authorization", "Bearer " + next.access);
  return fetch(retry);
}

export const api = createClient<paths>({ baseUrl: "", fetch: authFetch });

/** Unwraps an openapi-fetch result: the data, or an ApiError. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) {
    throw new ApiError(response.status, error as Schemas["api.ErrorBody"]);
  }
  return data as T;
}

/** Uploads a file (multipart) to an API path. */
export async function upload<T>(path: string, file: File, fields: Record<string, string> = {}): Promise<T> {
  const fd = new FormData();
  Object.entries(fields).forEach(([k, v]) => fd.append(k, v));
  fd.append("file", file);
  const res = await authFetch(new Request(path, { method: "POST", body: fd }));
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, body);
  return body as T;
}

/** Downloads an authenticated file (CSV, zip, image) and saves or returns it. */
export async function download(path: string, filename?: string): Promise<Blob> {
  const res = await authFetch(new Request(path));
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  const blob = await res.blob();
  if (filename) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
  return blob;
}
