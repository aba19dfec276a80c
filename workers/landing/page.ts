import { html, raw } from "hono/html";
import type { CardQuery } from "../../schemas/card.ts";
import { LANDING_SCRIPT } from "./client-script.ts";
import { CARD_PATH, fillTemplate, ID_PLACEHOLDER, SNIPPETS, USER_PATH } from "./snippets.ts";
import { LANDING_CSS } from "./styles.ts";

/**
 * The landing page: what a browser gets at GET /. A pure function of what the route found; every
 * value is interpolated through hono/html, which escapes it for text and attributes alike. The
 * page's live parts (presence over /socket, the card, the snippets) are driven by the inline
 * script, which reads its inputs from data- attributes rather than from interpolated script text.
 */

export interface LandingView {
  /** Monitored users, as GET / counts them for API clients. */
  count: number;
  /** Where the snippets point: the deployment's public origin. */
  origin: string;
  /** The id the page opens on; "" leaves the field empty, with a hint. */
  userId: string;
  /** This response's Content-Security-Policy nonce, for the one script and the one stylesheet. */
  nonce: string;
}

/** The card's on/off options, in the order the form shows them; names are the card route's. */
const CARD_TOGGLES: readonly { name: keyof CardQuery; label: string }[] = [
  { name: "hideActivity", label: "No activity (a shorter card)" },
  { name: "hideSpotify", label: "Skip Spotify" },
  { name: "hideTimestamp", label: "No elapsed time" },
  { name: "hideStatus", label: "No status dot" },
  { name: "hideBadges", label: "No badges" },
  { name: "hideGlobalName", label: "Username, not display name" },
  { name: "hideServerTag", label: "No server tag" },
  { name: "hideLastSeen", label: 'No "last seen"' },
];

const plural = (n: number, one: string, many: string) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export function renderLanding(view: LandingView) {
  const id = view.userId ? encodeURIComponent(view.userId) : ID_PLACEHOLDER;
  const snippetValues = { origin: view.origin, id, query: "" };
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Porchlight: live Discord presence</title>
    <style nonce="${view.nonce}">${raw(LANDING_CSS)}</style>
  </head>
  <body>
    <div class="wrap" id="landing" data-origin="${view.origin}" data-id-placeholder="${ID_PLACEHOLDER}"
      data-user-path="${USER_PATH}" data-card-path="${CARD_PATH}">
      <header>
        <div class="brand"><span class="lamp" aria-hidden="true"></span>Porchlight</div>
        <h1>Live Discord presence, at the edge.</h1>
        <p class="lede">
          This deployment watches people in its Discord servers and serves what they are up to: their status on
          each device, what they play or listen to, their custom status. As JSON in the Lantern and Lanyard APIs,
          as a live WebSocket stream, and as SVG profile cards for a GitHub README.
        </p>
        <ul class="facts">
          <li class="count" id="monitored-count" data-count="${view.count}">Watching <strong>${plural(view.count, "user", "users")}</strong></li>
          <li><a href="/docs">API reference</a></li>
          <li><a href="/openapi.json">OpenAPI document</a></li>
        </ul>
      </header>

      <main>
        <section class="panel" aria-labelledby="pick-title">
          <form id="user-form" method="get" action="/">
            <label id="pick-title" for="user-id">Discord user id</label>
            <div class="row">
              <input id="user-id" name="user" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                placeholder="e.g. 94490510688792576" value="${view.userId}" aria-describedby="user-hint" />
              <button type="submit">Show</button>
            </div>
            <p class="hint" id="user-hint">
              Anyone in a server this deployment watches. In Discord, turn on Developer Mode (Settings → Advanced), then
              right-click a user and choose <em>Copy User ID</em>.
            </p>
          </form>
        </section>

        <div class="grid">
          <section class="panel" aria-labelledby="live-title">
            <h2 id="live-title">Live presence <span class="pill" id="socket-state" data-state="idle">not connected</span></h2>
            <div class="error" id="presence-error" role="alert" hidden></div>
            <div id="presence" aria-live="polite">
              <p class="empty">${view.userId ? "Connecting to the socket…" : "Type an id above to follow someone live."}</p>
            </div>
            <p class="updated" id="presence-updated"></p>
            <details>
              <summary>The last payload (Lantern's JSON)</summary>
              <pre id="presence-json"></pre>
            </details>
          </section>

          <section class="panel" aria-labelledby="card-title">
            <h2 id="card-title">Profile card</h2>
            <div class="card-frame">
              <img id="card" alt="Profile card" width="560" ${view.userId ? html`src="${fillTemplate(CARD_PATH, { ...snippetValues, origin: "" })}"` : html`hidden`} />
            </div>
            <form id="card-options">
              <fieldset>
                <label class="field"><span>Theme</span>
                  <select name="theme"><option value="">Dark (default)</option><option value="light">Light</option></select>
                </label>
                <label class="field"><span>Background</span>
                  <input type="text" name="bg" placeholder="the theme's, or 1e1f22" autocomplete="off" spellcheck="false" />
                </label>
                <label class="field"><span>Corner radius</span>
                  <input type="text" name="borderRadius" placeholder="1 (rem) or 12px" autocomplete="off" spellcheck="false" />
                </label>
              </fieldset>
              <fieldset>
                ${CARD_TOGGLES.map((toggle) => html`<label><input type="checkbox" name="${toggle.name}" value="1" /> ${toggle.label}</label>`)}
              </fieldset>
            </form>
          </section>
        </div>

        <section class="panel" aria-labelledby="use-title">
          <h2 id="use-title">Use it</h2>
          <div class="snippets">
            ${SNIPPETS.map(
              (snippet) => html`<figure>
              <figcaption>${snippet.title} <button type="button" class="quiet" data-copy="snippet-${snippet.name}">Copy</button></figcaption>
              <pre><code id="snippet-${snippet.name}" data-template="${snippet.template}">${fillTemplate(snippet.template, snippetValues)}</code></pre>
            </figure>`,
            )}
          </div>
        </section>
      </main>

      <footer>
        Porchlight speaks Lantern's and Lanyard's APIs: an existing client works by changing its hostname. This page
        loads nothing from outside this deployment.
      </footer>
    </div>
    <script nonce="${view.nonce}">${raw(LANDING_SCRIPT)}</script>
  </body>
</html>`;
}
