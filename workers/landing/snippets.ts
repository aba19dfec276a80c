/**
 * The copyable snippets on the landing page, as templates: the server fills them for the id the
 * page opens on, and the page's script refills the same templates (shipped in data-template) when
 * the visitor types another id or picks card options, so each snippet is written once.
 */

export interface SnippetValues {
  /** The deployment's public origin, https://porchlight.example.com. */
  origin: string;
  /** The user's id (URL-encoded: it may be anything a visitor typed), or ID_PLACEHOLDER. */
  id: string;
  /** The card's options as "&theme=light&hideSpotify=1", or "". */
  query: string;
}

export interface Snippet {
  name: string;
  title: string;
  template: string;
}

/** Shown where an id goes while the field is empty. */
export const ID_PLACEHOLDER = "YOUR_DISCORD_ID";

/** The routes the page and its snippets use, as templates of the same kind. */
export const USER_PATH = "/api/v1/users/{id}";
export const CARD_PATH = `${USER_PATH}?svg=1{query}`;

export const SNIPPETS: readonly Snippet[] = [
  {
    name: "markdown",
    title: "README card (Markdown)",
    template: `![Discord presence]({origin}${CARD_PATH})`,
  },
  { name: "curl", title: "REST (Lantern's JSON)", template: `curl {origin}${USER_PATH}` },
  {
    name: "socket",
    title: "Live socket (JavaScript)",
    template: `const ws = new WebSocket("{socket}/socket");
ws.onmessage = ({ data }) => {
  const msg = JSON.parse(data);
  if (msg.op === 1) { // HELLO: heartbeat, then say whom to follow
    setInterval(() => ws.send('{"op":4}'), msg.d.heartbeat_interval);
    ws.send(JSON.stringify({ op: 2, d: { user_id: "{id}" } }));
  }
  // INIT_ACK (op 3) carries the user; PRESENCE_UPDATE (op 6) every change
  if (msg.op === 3 || msg.op === 6) console.log(msg.d.status, msg.d.activities);
};`,
  },
];

/**
 * Only these names are placeholders, so the socket snippet's own JSON braces stay as they are.
 * The page's script fills templates the same way (client-script.ts, fill).
 */
const PLACEHOLDER = /\{(origin|socket|id|query)\}/g;

export function fillTemplate(template: string, values: SnippetValues): string {
  const filled: Record<string, string> = { ...values, socket: values.origin.replace(/^http/, "ws") };
  return template.replace(PLACEHOLDER, (_, name: string) => filled[name]!);
}
