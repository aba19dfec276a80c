import { STATUS_COLOURS } from "../cards/theme.ts";

/**
 * The landing page's stylesheet, inline: the page loads nothing from anywhere, fonts included
 * (the platform's own UI face). Light and dark follow the visitor's system; status dots use the
 * cards' colours, so the live view and the card agree.
 */

const statusDots = Object.entries(STATUS_COLOURS)
  .map(([status, colour]) => `.dot.${status} { background: ${colour}; }`)
  .join("\n");

export const LANDING_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f4ef; --panel: #ffffff; --text: #1d1b18; --muted: #5f5a52; --line: #e4dfd6;
  --accent: #c97a00; --accent-soft: #fff3dc; --code: #f3f0ea; --error: #b42318; --error-soft: #fdecea;
  --glow: radial-gradient(60rem 24rem at 15% -10%, #ffe3a8 0%, transparent 60%);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14161a; --panel: #1c1f24; --text: #eceae6; --muted: #a7a29a; --line: #2d3138;
    --accent: #f5b042; --accent-soft: #2b2417; --code: #111316; --error: #ff8a80; --error-soft: #3a1d1b;
    --glow: radial-gradient(60rem 24rem at 15% -10%, #3b2c12 0%, transparent 60%);
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--glow), var(--bg); color: var(--text); }
a { color: var(--accent); }
.wrap { max-width: 72rem; margin: 0 auto; padding: 2.5rem 1.25rem 3rem; }
header { margin-bottom: 2rem; }
.brand { display: flex; align-items: center; gap: 0.6rem; font-weight: 700; letter-spacing: 0.02em; color: var(--muted); }
.lamp { width: 0.9rem; height: 0.9rem; border-radius: 50%; background: var(--accent); box-shadow: 0 0 0.9rem 0.2rem var(--accent); }
h1 { font-size: clamp(1.8rem, 4vw, 2.6rem); line-height: 1.15; margin: 0.6rem 0 0.75rem; }
.lede { max-width: 46rem; color: var(--muted); margin: 0 0 1.25rem; font-size: 1.08rem; }
.facts { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem 1.25rem; margin: 0; padding: 0; list-style: none; }
.count { background: var(--accent-soft); border: 1px solid var(--line); border-radius: 999px; padding: 0.35rem 0.9rem; }
.count strong { font-size: 1.15rem; font-variant-numeric: tabular-nums; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 14px; padding: 1.25rem 1.4rem; box-shadow: 0 1px 2px rgb(0 0 0 / 6%); }
main > * + * { margin-top: 1.25rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.9rem; display: flex; align-items: center; gap: 0.6rem; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: minmax(0, 1fr) minmax(0, 36rem); }
@media (max-width: 60rem) { .grid { grid-template-columns: minmax(0, 1fr); } }
label { font-weight: 600; }
.row { display: flex; gap: 0.6rem; margin-top: 0.4rem; }
input[type="text"], select {
  font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 0.5rem 0.7rem;
}
#user-id { flex: 1; min-width: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 1.05rem; }
button {
  font: inherit; font-weight: 600; cursor: pointer; border-radius: 8px; padding: 0.5rem 1rem;
  border: 1px solid var(--accent); background: var(--accent); color: #1d1b18;
}
button.quiet { background: transparent; color: var(--text); border-color: var(--line); padding: 0.2rem 0.7rem; font-size: 0.85rem; }
input:focus-visible, select:focus-visible, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.hint { color: var(--muted); font-size: 0.9rem; margin: 0.5rem 0 0; }
.pill { font-size: 0.75rem; font-weight: 600; border: 1px solid var(--line); border-radius: 999px; padding: 0.1rem 0.6rem; color: var(--muted); }
.pill[data-state="live"] { color: #1a7f37; border-color: #1a7f37; }
.pill[data-state="retrying"], .pill[data-state="closed"] { color: var(--error); border-color: var(--error); }
.error { background: var(--error-soft); color: var(--error); border-radius: 10px; padding: 0.75rem 0.9rem; margin-bottom: 0.9rem; }
.error strong { font-variant-numeric: tabular-nums; margin-right: 0.4rem; }
.who { display: flex; align-items: baseline; flex-wrap: wrap; gap: 0.5rem; font-size: 1.2rem; }
.handle { color: var(--muted); font-size: 1rem; }
.dot { display: inline-block; width: 0.75rem; height: 0.75rem; border-radius: 50%; align-self: center; }
${statusDots}
.status-line { margin: 0.2rem 0 0.8rem; color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0 0 0.9rem; padding: 0; list-style: none; }
.chips li { font-size: 0.8rem; border: 1px solid var(--line); border-radius: 999px; padding: 0.1rem 0.6rem; }
.activity { border-left: 3px solid var(--accent); padding: 0.2rem 0 0.2rem 0.8rem; margin: 0 0 0.8rem; }
.activity p { margin: 0; }
.activity .detail { color: var(--muted); font-size: 0.92rem; }
dl.storage { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; margin: 0 0 0.8rem; font-size: 0.92rem; }
dl.storage dt { font-weight: 600; }
dl.storage dd { margin: 0; overflow-wrap: anywhere; }
.updated { color: var(--muted); font-size: 0.8rem; margin: 0.6rem 0 0; }
.empty { color: var(--muted); }
details { margin-top: 0.8rem; }
summary { cursor: pointer; color: var(--muted); font-size: 0.9rem; }
pre { margin: 0; background: var(--code); border: 1px solid var(--line); border-radius: 10px; padding: 0.8rem 0.9rem; overflow: auto; font: 0.85rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details pre { max-height: 22rem; margin-top: 0.5rem; }
.card-frame { display: flex; justify-content: center; padding: 0.6rem; border-radius: 12px; background: var(--code); border: 1px solid var(--line); }
#card { display: block; max-width: 100%; height: auto; }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; display: grid; gap: 0.6rem 1rem; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); }
fieldset label { font-weight: 400; display: flex; align-items: center; gap: 0.45rem; font-size: 0.92rem; }
fieldset label.field { flex-direction: column; align-items: stretch; gap: 0.25rem; }
fieldset label.field span { font-weight: 600; }
.snippets { display: grid; gap: 1rem; }
figure { margin: 0; }
figcaption { display: flex; justify-content: space-between; align-items: center; margin-bottom: 0.4rem; font-weight: 600; }
footer { margin-top: 2rem; color: var(--muted); font-size: 0.85rem; }
[hidden] { display: none !important; }
`;
