import { html } from "hono/html";
import { bodies } from "./bodies.ts";
import type { Components, Operation, Parameter } from "./openapi-types.ts";
import { describe, typeLabel } from "./schema-fields.ts";
import { phrase, prose } from "./text.ts";

/**
 * One operation of the reference: what it does, who may call it, its parameters, its request body
 * and every response with its body's examples; a request's and a success's fields expanded.
 */

/** The anchor of an operation: `get-api-v1-users-id`. */
export function operationId(method: string, path: string): string {
  const words = path.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return [method, ...words].join("-");
}

/** Statuses that never carry a body; any other response without content is someone else's (Discord's). */
const BODILESS = /^(1\d\d|204|205|304)$/;

export function renderOperation(method: string, path: string, op: Operation, components?: Components) {
  return html`<article class="operation" id="${operationId(method, path)}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code class="path">${path}</code></h3>
  <p class="summary">${phrase(op.summary)}</p>
  ${prose(op.description)} ${security(op, components)} ${parameters(op.parameters ?? [])}
  ${
    op.requestBody?.content
      ? html`<h4>Request body${op.requestBody.required ? " (required)" : ""}</h4>
          ${prose(op.requestBody.description)} ${bodies(op.requestBody.content, components, true)}`
      : ""
  }
  <h4>Responses</h4>
  ${Object.entries(op.responses ?? {}).map(
    ([status, response]) => html`<details class="response"${status.startsWith("2") ? " open" : ""}>
      <summary><span class="status s${status[0]}xx">${status}</span> ${phrase(response.description)}</summary>
      ${
        response.content
          ? bodies(response.content, components, status.startsWith("2"))
          : html`<p class="none">${BODILESS.test(status) ? "No body." : "No schema: the body is not Porchlight's (see the description)."}</p>`
      }
    </details>`,
  )}
</article>`;
}

function security(op: Operation, components?: Components) {
  const names = (op.security ?? []).flatMap(Object.keys);
  if (names.length === 0) return "";
  return html`<p class="auth"><strong>Authorization:</strong> ${names.map((name) => {
    const scheme = components?.securitySchemes?.[name];
    const how =
      scheme?.type === "http"
        ? html`<code>Authorization: ${scheme.scheme === "bearer" ? "Bearer" : scheme.scheme} &lt;key&gt;</code>`
        : html`the <code>${scheme?.name ?? name}</code> ${scheme?.in ?? ""}`;
    return html`${how}: ${phrase(scheme?.description)}`;
  })}</p>`;
}

function parameters(list: Parameter[]) {
  if (list.length === 0) return "";
  return html`<h4>Parameters</h4>
  <table class="fields params">
    <thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead>
    <tbody>${list.map((p) => {
      const example = p.schema?.example;
      return html`<tr>
        <td><code>${p.name}</code></td><td>${p.in}</td><td><code>${typeLabel(p.schema ?? {})}</code></td>
        <td>${p.required ? "yes" : "no"}</td>
        <td>${phrase(describe(p.schema ?? {}, undefined, p.description))}${
          example === undefined ? "" : html` Example: <code>${String(example)}</code>.`
        }</td>
      </tr>`;
    })}</tbody>
  </table>`;
}
