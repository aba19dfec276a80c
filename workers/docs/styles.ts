/** The reference's stylesheet, inline in the page: nothing for the browser to fetch. */

// Nested fields indent by depth (schema-fields.ts stops at depth 8).
const depths = Array.from(
  { length: 9 },
  (_, n) => `tr.depth-${n} td:first-child { padding-left: ${0.5 + n * 1.1}rem; }`,
).join("\n");

export const STYLES = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --code: #f6f8fa; --line: #d0d7de; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --code: #161b22; --line: #30363d; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, sans-serif; margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { background: var(--code); padding: 0.05rem 0.3rem; border-radius: 4px; }
pre { background: var(--code); padding: 0.75rem; border-radius: 6px; overflow-x: auto; max-height: 32rem; }
pre code { padding: 0; background: none; }
.layout { display: grid; grid-template-columns: 21rem minmax(0, 1fr); }
nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; padding: 1rem; border-right: 1px solid var(--line); font-size: 13px; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 1rem 0 0.25rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li a { display: block; padding: 0.1rem 0; text-decoration: none; color: var(--fg); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav .method { min-width: 3.4rem; }
main { padding: 1rem 2rem 4rem; max-width: 68rem; }
section.tag { border-top: 2px solid var(--line); margin-top: 2rem; }
section.operator { border-top-color: #bf8700; }
.operator-note { border-left: 4px solid #bf8700; background: var(--code); padding: 0.5rem 0.75rem; }
article.schema h3 .type { font-weight: 400; color: var(--muted); font-size: 13px; }
article.operation, article.schema { border-top: 1px solid var(--line); padding: 0.75rem 0 1rem; }
article.operation h3 { margin: 0.25rem 0; font-size: 17px; overflow-wrap: anywhere; }
h4 { margin: 1rem 0 0.25rem; }
.method { display: inline-block; font: 700 12px ui-monospace, monospace; text-transform: uppercase; }
.method.get { color: #1a7f37; } .method.post { color: #0969da; } .method.put, .method.patch { color: #9a6700; } .method.delete { color: #cf222e; }
.status { font: 700 13px ui-monospace, monospace; padding: 0 0.3rem; border-radius: 4px; background: var(--code); }
.s2xx { color: #1a7f37; } .s3xx { color: #8250df; } .s4xx { color: #9a6700; } .s5xx { color: #cf222e; } .s1xx { color: var(--muted); }
details.response { border: 1px solid var(--line); border-radius: 6px; margin: 0.4rem 0; padding: 0.25rem 0.75rem; }
details.response summary { cursor: pointer; padding: 0.25rem 0; }
table.fields { border-collapse: collapse; width: 100%; font-size: 13px; margin: 0.5rem 0; }
table.fields th, table.fields td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: 0.3rem 0.5rem; }
table.fields td:first-child { width: 30%; overflow-wrap: anywhere; }
table.fields td:nth-child(2) { width: 22%; }
table.params td:first-child { width: 18%; }
table.params td:nth-child(2) { width: 8%; }
table.params td:nth-child(3) { width: 20%; }
table.fields .parent { color: var(--muted); }
tr.variant td { color: var(--muted); font-style: italic; }
${depths}
figure.example { margin: 0.5rem 0; }
figcaption { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.none { color: var(--muted); }
@media (max-width: 900px) { .layout { display: block; } nav { position: static; height: auto; border-right: 0; } main { padding: 1rem; } }
`;
