import { html, raw } from "hono/html";
import { examplesOf, exampleText, type ShownExample } from "./examples.ts";
import type { Components, Content, JsonSchema } from "./openapi-types.ts";
import { bodySummary, fieldsOf, typeLabel } from "./schema-fields.ts";
import { escapeHtml, phrase, prose } from "./text.ts";

/**
 * Bodies as the reference shows them: the media type and the body's type, a table of its fields
 * and its examples. Every named schema in a type links to its entry in the Schemas section.
 */

export const schemaAnchor = (name: string) => `schema-${name}`;

/** A type label with each component name in it linked to that component's entry. */
export function typeHtml(label: string, components: Components | undefined) {
  const names = Object.keys(components?.schemas ?? {});
  const escaped = escapeHtml(label);
  if (names.length === 0) return raw(`<code>${escaped}</code>`);
  const pattern = new RegExp(`\\b(${names.join("|")})\\b`, "g");
  const linked = escaped.replace(pattern, (name) => `<a href="#${schemaAnchor(name)}">${name}</a>`);
  return raw(`<code>${linked}</code>`);
}

/** `metadata.flags.bitfield` with the parent path dimmed, so the field's own name stands out. */
function fieldPath(path: string) {
  const cut = path.lastIndexOf(".") + 1;
  const parent = path.slice(0, cut);
  return html`<code>${parent ? html`<span class="parent">${parent}</span>` : ""}${path.slice(cut)}</code>`;
}

export function fieldsTable(schema: JsonSchema, components: Components | undefined) {
  const rows = fieldsOf(schema, components);
  if (rows.length === 0) return "";
  return html`<table class="fields">
  <thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead>
  <tbody>${rows.map(
    (row) => html`<tr class="depth-${row.depth}${row.required === undefined ? " variant" : ""}">
    <td>${fieldPath(row.path)}</td><td>${typeHtml(row.type, components)}</td>
    <td>${row.required === undefined ? "" : row.required ? "yes" : "no"}</td><td>${phrase(row.description)}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

export function examplesBlock(examples: ShownExample[], mediaType: string) {
  return examples.map(
    (example) => html`<figure class="example">
  <figcaption>Example${example.title ? html`: ${example.title}` : ""}</figcaption>
  <pre><code>${exampleText(example.value, mediaType)}</code></pre>
</figure>`,
  );
}

/**
 * Each media type of a body. `withFields` expands the fields in place (requests and successes,
 * what a client builds and reads); otherwise the type links to the schema's entry (errors, whose
 * few shapes recur on every route).
 */
export function bodies(content: Content, components: Components | undefined, withFields: boolean) {
  return Object.entries(content).map(([mediaType, media]) => {
    const summary = media.schema ? bodySummary(media.schema, components) : undefined;
    return html`<div class="body">
  <p class="media"><code>${mediaType}</code>${
    summary ? html`: ${typeHtml(summary.type, components)} ${phrase(summary.description)}` : ""
  }</p>
  ${withFields && media.schema ? fieldsTable(media.schema, components) : ""}
  ${examplesBlock(examplesOf(media, components), mediaType)}
</div>`;
  });
}

/** A component's entry: what it is, its fields and its example. */
export function schemaEntry(name: string, components: Components | undefined) {
  const schema = components?.schemas?.[name] ?? {};
  const example = schema.example ?? schema.examples?.[0];
  return html`<article class="schema" id="${schemaAnchor(name)}">
  <h3><code>${name}</code> <span class="type">${typeLabel(schema)}</span></h3>
  ${prose(schema.description)}
  ${fieldsTable(schema, components)}
  ${example === undefined ? "" : examplesBlock([{ value: example }], "application/json")}
</article>`;
}
