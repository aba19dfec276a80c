import { html, raw } from "hono/html";
import { OPERATOR_TAG } from "./audiences.ts";
import { schemaAnchor, schemaEntry } from "./bodies.ts";
import { type Document, type Operation, operationsOf, type Tag } from "./openapi-types.ts";
import { operationId, renderOperation } from "./operation.ts";
import { STYLES } from "./styles.ts";
import { phrase, prose } from "./text.ts";

/**
 * The API reference as one HTML page, rendered from the OpenAPI document it stands beside: a
 * contents column, then one section per tag in the document's order, the Operator section last,
 * then every named schema (what error responses and nested types link to).
 * No script, no font, no image: the page needs nothing but itself.
 */

interface Group {
  tag: Tag;
  operations: { path: string; method: string; operation: Operation }[];
}

/** Operations by their first tag: the document's tags in order, tags it does not list after, Operator last. */
function groupsOf(document: Document): Group[] {
  const groups = new Map<string, Group>();
  for (const tag of document.tags ?? []) groups.set(tag.name, { tag, operations: [] });
  for (const entry of operationsOf(document)) {
    const name = entry.operation.tags?.[0] ?? "Other";
    if (!groups.has(name)) groups.set(name, { tag: { name }, operations: [] });
    groups.get(name)!.operations.push(entry);
  }
  const ordered = [...groups.values()].filter((group) => group.operations.length > 0);
  return [
    ...ordered.filter((group) => group.tag.name !== OPERATOR_TAG),
    ...ordered.filter((group) => group.tag.name === OPERATOR_TAG),
  ];
}

const tagId = (name: string) => `tag-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

export function renderReference(document: Document, links: { json: string }) {
  const groups = groupsOf(document);
  const schemaNames = Object.keys(document.components?.schemas ?? {}).sort();
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>${document.info.title} API reference</title>
  <style>${raw(STYLES)}</style>
</head>
<body>
<div class="layout">
  <nav aria-label="Operations">
    <p><strong>${document.info.title} API</strong></p>
    ${groups.map(
      (group) => html`<h2><a href="#${tagId(group.tag.name)}">${group.tag.name}</a></h2>
      <ul>${group.operations.map(
        ({ path, method }) =>
          html`<li><a href="#${operationId(method, path)}"><span class="method ${method}">${method}</span> ${path}</a></li>`,
      )}</ul>`,
    )}
    <h2><a href="#schemas">Schemas</a></h2>
    <ul>${schemaNames.map((name) => html`<li><a href="#${schemaAnchor(name)}">${name}</a></li>`)}</ul>
  </nav>
  <main>
    <h1>${document.info.title} API reference</h1>
    ${prose(document.info.description)}
    <p>Every body below is generated from the zod schemas the Worker validates with. The same reference, machine-readable: <a href="${links.json}">${links.json}</a> (OpenAPI ${document.openapi}).</p>
    ${groups.map(
      (
        group,
      ) => html`<section class="tag${group.tag.name === OPERATOR_TAG ? " operator" : ""}" id="${tagId(group.tag.name)}">
      <h2>${group.tag.name}</h2>
      ${
        group.tag.name === OPERATOR_TAG
          ? html`<p class="operator-note">${phrase(group.tag.description)}</p>`
          : prose(group.tag.description)
      }
      ${group.operations.map(({ path, method, operation }) =>
        renderOperation(method, path, operation, document.components),
      )}
    </section>`,
    )}
    <section class="tag" id="schemas">
      <h2>Schemas</h2>
      ${schemaNames.map((name) => schemaEntry(name, document.components))}
    </section>
  </main>
</div>
</body>
</html>`;
}
