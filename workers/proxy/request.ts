import {
  OnLimit,
  PROXY_API_VERSION,
  PROXY_HEADERS,
  PROXY_LIMITS,
  type ProxyErrorCode,
} from "../../schemas/proxy.ts";

/**
 * What a caller asked the proxy to send, checked before anything else happens: the path stays
 * under Discord's /api/v10 whatever it holds, the query is well formed, and Porchlight's own
 * headers have values it understands. Pure: the request's parts in, a ProxyCall or the error's
 * code out.
 */

export const PROXY_PREFIX = "/proxy/api";
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
/** RFC 3986 pchar: what a path segment may hold before percent-decoding. */
const SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/;

export interface ProxyCall {
  method: string;
  /** Below /api/v10, still percent-encoded as the caller sent it: `/channels/123/messages`. */
  route: string;
  /** "" or "?…" as sent. */
  search: string;
  onLimit: OnLimit;
  timeoutMs: number;
  auditLogReason: string | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; code: ProxyErrorCode; message: string };

const fail = (code: ProxyErrorCode, message: string) => ({ ok: false as const, code, message });

/** `rawPath` is the request's pathname as received (percent-encoding intact), starting /proxy/api. */
export function checkCall(
  method: string,
  rawPath: string,
  search: string,
  headers: Headers,
  timeouts: { defaultMs: number; maxMs: number },
): Checked<ProxyCall> {
  if (!METHODS.has(method))
    return fail("invalid_method", `Discord's REST API has no ${method.slice(0, 16)} routes.`);
  const route = checkRoute(rawPath);
  if (!route.ok) return route;
  if (search.length > PROXY_LIMITS.maxQueryBytes)
    return fail("invalid_query", `The query string is longer than ${PROXY_LIMITS.maxQueryBytes} bytes.`);
  if (decodes(search.slice(1).replace(/\+/g, " ")) === null)
    return fail("invalid_query", "The query string holds a malformed percent-encoding.");

  const options = checkCallOptions(headers, timeouts);
  if (!options.ok) return options;
  return { ok: true, value: { method, route: route.value, search, ...options.value } };
}

/**
 * Porchlight's per-call headers (X-Porchlight-On-Limit, X-Porchlight-Timeout) and the one
 * forwarded header with a limit of its own: shared by the proxy and the message API.
 */
export function checkCallOptions(
  headers: Headers,
  timeouts: { defaultMs: number; maxMs: number },
): Checked<Pick<ProxyCall, "onLimit" | "timeoutMs" | "auditLogReason">> {
  const onLimitHeader = headers.get(PROXY_HEADERS.onLimit);
  const onLimit = OnLimit.safeParse(onLimitHeader?.trim().toLowerCase() ?? "queue");
  if (!onLimit.success) return fail("invalid_headers", "X-Porchlight-On-Limit must be queue or reject.");

  const timeoutHeader = headers.get(PROXY_HEADERS.timeout);
  let timeoutMs = timeouts.defaultMs;
  if (timeoutHeader !== null) {
    timeoutMs = Number(timeoutHeader.trim());
    if (!/^\d+$/.test(timeoutHeader.trim()) || timeoutMs < 1 || timeoutMs > timeouts.maxMs)
      return fail(
        "invalid_headers",
        `X-Porchlight-Timeout must be whole milliseconds from 1 to ${timeouts.maxMs}.`,
      );
  }

  const auditLogReason = headers.get("x-audit-log-reason");
  if (auditLogReason !== null && auditLogReason.length > PROXY_LIMITS.maxAuditLogReasonBytes)
    return fail("invalid_headers", "X-Audit-Log-Reason is longer than Discord takes (512 characters).");

  return { ok: true, value: { onLimit: onLimit.data, timeoutMs, auditLogReason } };
}

/** The route below /api/v10, or why the path may not be forwarded. */
export function checkRoute(rawPath: string): Checked<string> {
  if (rawPath.length > PROXY_LIMITS.maxPathBytes) return fail("invalid_path", "The path is too long.");
  const rest = rawPath.slice(PROXY_PREFIX.length);
  const version = /^\/(v\d+)(?=\/|$)/.exec(rest)?.[1];
  if (version !== PROXY_API_VERSION)
    return fail(
      "invalid_path",
      version
        ? `The proxy forwards API ${PROXY_API_VERSION} only, not ${version}.`
        : `Routes live under ${PROXY_PREFIX}/${PROXY_API_VERSION}/.`,
    );
  const route = rest.slice(version.length + 1);
  if (route === "" || route === "/") return fail("invalid_path", "The path names no route.");
  // Leading "/" then segments: an empty one (//) would let "https://host" or "//host" through.
  for (const segment of route.slice(1).split("/")) {
    if (!SEGMENT.test(segment))
      return fail("invalid_path", "A path segment is empty or holds characters URLs may not.");
    const decoded = decodes(segment);
    if (decoded === null) return fail("invalid_path", "A path segment holds a malformed percent-encoding.");
    // Encoded separators and dot segments are how a path climbs out of /api/v10.
    if (/[/\\]/.test(decoded) || decoded === "." || decoded === ".." || hasControlCharacter(decoded))
      return fail(
        "invalid_path",
        "A path segment decodes to a separator, a dot segment or a control character.",
      );
  }
  return { ok: true, value: route };
}

/**
 * The upstream URL, built from Discord's base and a checked route, and checked once more as a
 * URL: whatever the route held, the result is on Discord's origin under /api/v10/.
 */
export function upstreamUrl(apiBase: string, route: string, search: string): URL | null {
  const base = new URL(apiBase);
  const url = new URL(`${apiBase}/${PROXY_API_VERSION}${route}${search}`);
  const inside =
    url.origin === base.origin &&
    url.pathname.startsWith(`${base.pathname.replace(/\/$/, "")}/${PROXY_API_VERSION}/`);
  return inside ? url : null;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function decodes(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
