import type { OpenAPIHono } from "@hono/zod-openapi";
import { html, raw } from "hono/html";
import type { Env } from "../../settings/env.ts";

/**
 * /openapi.json is generated from the routes' zod schemas; /docs renders it as one static page.
 * Swagger UI and Scalar load their scripts from a public CDN, which a self-hosted deployment, an
 * offline demo and our tests must not depend on, so the page is plain server-rendered HTML.
 */

const DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Porchlight",
    version: "1",
    description:
      "Live Discord presence at the edge. Lantern-compatible routes live under /api/v1, Lanyard-compatible ones under /v1.",
  },
};

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; description?: string; required?: boolean }[];
  responses?: Record<string, { description?: string }>;
}

export function registerDocs(app: OpenAPIHono<{ Bindings: Env }>) {
  app.doc31("/openapi.json", DOCUMENT);

  app.get("/docs", (c) => {
    const spec = app.getOpenAPI31Document(DOCUMENT);
    const operations = Object.entries(spec.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ path, method, op })),
    );
    return c.html(html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Porchlight API</title>
    <style>
      body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
      code { background: #f6f8fa; padding: 0.1rem 0.3rem; border-radius: 4px; }
      section { border-top: 1px solid #d0d7de; padding: 0.5rem 0; }
      .method { font-weight: 700; text-transform: uppercase; margin-right: 0.5rem; }
    </style>
  </head>
  <body>
    <h1>Porchlight API</h1>
    <p>${DOCUMENT.info.description} The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
    ${operations.map(
      ({ path, method, op }) => html`<section>
        <h2><span class="method">${method}</span><code>${path}</code></h2>
        <p>${op.summary ?? ""} ${op.tags?.length ? html`<em>(${op.tags.join(", ")})</em>` : ""}</p>
        ${
          op.parameters?.length
            ? html`<ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ", required" : ""}) ${p.description ?? ""}</li>`)}</ul>`
            : ""
        }
        <ul>${Object.entries(op.responses ?? {}).map(([code, r]) => html`<li><strong>${code}</strong> ${r.description ?? ""}</li>`)}</ul>
      </section>`,
    )}
    ${raw("")}
  </body>
</html>`);
  });
}
