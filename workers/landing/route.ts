import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { directoryOf } from "../../durable-objects/monitored-users.ts";
import { type Env, landingUser, publicOrigin } from "../../settings/env.ts";
import { renderLanding } from "./page.ts";

/**
 * GET / for a browser: the landing page (page.ts renders it). Only a request whose Accept ranks
 * text/html above application/json gets it; a wildcard (curl's), a missing Accept and a tie keep
 * the JSON that API clients have always had, so no client changes behaviour.
 */

const HTML = "text/html";
const JSON_TYPE = "application/json";

/**
 * A type's quality: that of the most specific range naming it (RFC 9110 §12.5.1), 0 if none does.
 * Hono's own matcher ranks equal qualities by their order in the header, which would hand a client
 * sending "text/html, application/json" a page it did not prefer.
 */
function quality(ranges: readonly { type: string; q: number }[], type: string): number {
  const family = `${type.split("/")[0]}/*`;
  const specificity = (range: string) =>
    range === type ? 3 : range === family ? 2 : range === "*/*" ? 1 : 0;
  let best = { specificity: 0, q: 0 };
  for (const range of ranges) {
    const rank = specificity(range.type.toLowerCase());
    if (rank > best.specificity) best = { specificity: rank, q: range.q };
  }
  return best.q;
}

export function prefersLanding(c: Context): boolean {
  const chosen = accepts(c, {
    header: "Accept",
    supports: [JSON_TYPE, HTML],
    default: JSON_TYPE,
    match: (ranges) => (quality(ranges, HTML) > quality(ranges, JSON_TYPE) ? HTML : JSON_TYPE),
  });
  return chosen === HTML;
}

/**
 * The page's script and stylesheet run under this response's nonce and nothing else; images and
 * connections are this origin's only (the card, the REST read, /socket; 'self' covers ws: and wss:),
 * so the browser itself refuses any request that would leave the deployment.
 */
function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' blob:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const newNonce = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));

/** `requested` is the ?user= a visitor's link carried, shown as it is (the API judges it). */
export async function serveLanding(c: Context<{ Bindings: Env }>, requested: string | undefined) {
  const setting = landingUser(c.env);
  const directory = directoryOf(c.env);
  const wantsFirst = requested === undefined && setting === "first-monitored";
  const [count, first] = await Promise.all([directory.count(), wantsFirst ? directory.first() : null]);
  const userId = requested ?? (typeof setting === "object" ? setting.id : (first ?? ""));
  const nonce = newNonce();
  const page = renderLanding({
    count,
    origin: publicOrigin(c.env) ?? new URL(c.req.url).origin,
    userId,
    nonce,
  });
  return c.html(page, 200, {
    "Content-Security-Policy": contentSecurityPolicy(nonce),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  });
}
