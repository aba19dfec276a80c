import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../../workers/app.ts";
import { audienceOf, documentFor } from "../../workers/docs/audiences.ts";
import { exampleText } from "../../workers/docs/examples.ts";
import {
  type Content,
  type Document,
  type JsonSchema,
  type MediaType,
  operationsOf,
} from "../../workers/docs/openapi-types.ts";
import { fieldsOf, typeLabel } from "../../workers/docs/schema-fields.ts";
import { escapeHtml } from "../../workers/docs/text.ts";
import { get } from "./helpers.ts";

/**
 * The API reference: /openapi.json and /docs show the public API (and the operator's routes, in a
 * section of their own), every body with a schema and an example, and nothing internal; the page
 * needs nothing from anywhere else; /openapi.internal.json holds exactly what was left out.
 */

/** Some of the routes only the runner and Discord call (more may join them). */
const INTERNAL_PATHS = [
  "/ingest",
  "/ingest/events",
  "/ingest/guilds/{guild_id}/members",
  "/ingest/sessions",
  "/ingest/sockets",
  "/interactions",
];
const INTERNAL_SCHEMAS = [
  "IngestError",
  "InteractionError",
  "GuildMembersPage",
  "EventBatch",
  "EventTooLarge",
];
const OPERATOR_ROUTES = ["GET /proxy/metrics", "POST /proxy/bots/{bot}/unlock"];

const json = async (path: string) => (await (await get(path)).json()) as Document;
const operationNames = (document: Document) =>
  operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);

/** Each body of each operation: its request body and every response's, by media type. */
function bodiesOf(document: Document) {
  return operationsOf(document).flatMap(({ method, path, operation }) => {
    const name = `${method.toUpperCase()} ${path}`;
    const contents: [string, Content | undefined][] = [
      [`${name} request`, operation.requestBody?.content],
      ...Object.entries(operation.responses ?? {}).map(
        ([status, response]) => [`${name} ${status}`, response.content] as [string, Content | undefined],
      ),
    ];
    return contents.flatMap(([where, content]) =>
      Object.entries(content ?? {}).map(([mediaType, media]) => ({
        where: `${where} ${mediaType}`,
        mediaType,
        media,
      })),
    );
  });
}

/** The examples a reader is shown for a body: the media type's, else its schema's, through a $ref. */
function examplesIn(media: MediaType, document: Document): unknown[] {
  if (media.example !== undefined) return [media.example];
  const named = Object.values(media.examples ?? {}).map((example) => example.value);
  if (named.length > 0) return named;
  const ref = media.schema?.$ref?.replace("#/components/schemas/", "");
  const schema = ref ? document.components?.schemas?.[ref] : media.schema;
  return schema?.example === undefined ? [] : [schema.example];
}

/** Every `$ref` in a value. */
function refsIn(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === "$ref" && typeof child === "string" ? [child] : refsIn(child),
  );
}

describe("the public document and the internal one", () => {
  it("/openapi.json has no internal route, tag or schema; /openapi.internal.json has exactly those", async () => {
    const open = await json("/openapi.json");
    const internal = await json("/openapi.internal.json");
    const openPaths = Object.keys(open.paths ?? {});
    for (const path of openPaths) {
      expect(path.startsWith("/ingest"), path).toBe(false);
      expect(path, path).not.toBe("/interactions");
    }
    for (const { operation } of operationsOf(open)) expect(operation.tags).not.toContain("Internal");
    for (const name of INTERNAL_SCHEMAS) expect(open.components?.schemas).not.toHaveProperty(name);
    expect(open.tags?.map((tag) => tag.name)).not.toContain("Internal");

    const internalPaths = Object.keys(internal.paths ?? {});
    expect(internalPaths).toEqual(expect.arrayContaining(INTERNAL_PATHS));
    for (const path of internalPaths)
      expect(path === "/interactions" || path.startsWith("/ingest"), path).toBe(true);
    expect(Object.keys(internal.components?.schemas ?? {})).toEqual(expect.arrayContaining(INTERNAL_SCHEMAS));
    expect(internal.info.title).toContain("internal");

    expect(openPaths).toEqual(
      expect.arrayContaining([
        "/",
        "/api/v1/users/{id}",
        "/api/v1/users",
        "/v1/users/{id}",
        "/socket",
        "/api/v1/users/{id}/storage",
        "/api/v1/users/{id}/storage/{key}",
        "/v1/users/{id}/kv",
        "/v1/users/{id}/kv/{key}",
        "/v1/messages/direct",
        "/proxy/api/v10/{route}",
      ]),
    );
    expect(Object.keys(open.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(["LanternUser", "LanyardPresence", "MessageError", "ProxyError"]),
    );
  });

  it("each document holds every schema it refers to, and no other", async () => {
    for (const document of [await json("/openapi.json"), await json("/openapi.internal.json")]) {
      const names = Object.keys(document.components?.schemas ?? {});
      const referred = new Set(refsIn(document.paths).concat(refsIn(document.components)));
      for (const ref of referred) expect(names.map((name) => `#/components/schemas/${name}`)).toContain(ref);
      for (const name of names) expect(referred).toContain(`#/components/schemas/${name}`);
    }
  });

  it("keeps the operator's routes, tagged Operator and guarded by the admin key", async () => {
    const open = await json("/openapi.json");
    const operator = operationsOf(open).filter(({ operation }) => operation.tags?.includes("Operator"));
    expect(operator.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual(
      OPERATOR_ROUTES,
    );
    for (const { operation } of operator) expect(operation.security).toEqual([{ AdminKey: [] }]);
    expect(open.components?.securitySchemes?.AdminKey).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("every public operation", () => {
  it("gives a schema and an example for every body it takes or answers", async () => {
    const open = await json("/openapi.json");
    const missing = bodiesOf(open)
      .filter(({ media }) => !media.schema || examplesIn(media, open).length === 0)
      .map(({ where }) => where);
    expect(missing).toEqual([]);
    for (const { method, path, operation } of operationsOf(open)) {
      const described = Object.values(operation.responses ?? {}).some((response) => response.content);
      expect(described, `${method} ${path} has a response body with a schema`).toBe(true);
    }
  });

  it("gives examples that the zod schemas it validates with accept", () => {
    const wrong: string[] = [];
    for (const definition of createApp().openAPIRegistry.definitions) {
      if (definition.type !== "route" || audienceOf({ tags: definition.route.tags }) === "internal") continue;
      const { route } = definition;
      const contents = [
        ["request", route.request?.body?.content],
        ...Object.entries(route.responses).map(([status, response]) => [
          status,
          "content" in response ? response.content : undefined,
        ]),
      ] as [string, Record<string, { schema?: unknown; example?: unknown; examples?: object }> | undefined][];
      for (const [where, content] of contents)
        for (const [mediaType, media] of Object.entries(content ?? {})) {
          if (!(media.schema instanceof z.ZodType)) continue;
          const schema = media.schema;
          const examples = [
            media.example,
            ...Object.values(media.examples ?? {}).map((example) => (example as { value: unknown }).value),
            schema.meta()?.example,
          ].filter((example) => example !== undefined);
          for (const example of examples)
            if (!schema.safeParse(example).success)
              wrong.push(`${route.method} ${route.path} ${where} ${mediaType}: ${JSON.stringify(example)}`);
        }
    }
    expect(wrong).toEqual([]);
  });
});

describe("/docs", () => {
  it("shows exactly the operations of /openapi.json, and no internal route", async () => {
    const page = await (await get("/docs")).text();
    const open = await json("/openapi.json");
    const anchors = [...page.matchAll(/<article class="operation" id="([^"]+)">/g)].map((match) => match[1]);
    expect(anchors).toHaveLength(operationsOf(open).length);
    for (const name of operationNames(open)) {
      const [method, path] = name.split(" ") as [string, string];
      expect(page, name).toContain(`${method}</span> <code class="path">${escapeHtml(path)}</code>`);
    }
    const internal = await json("/openapi.internal.json");
    for (const path of Object.keys(internal.paths ?? {})) expect(page).not.toContain(path);
    for (const name of INTERNAL_SCHEMAS) expect(page).not.toContain(name);
  });

  it("shows every body's examples as the body would read", async () => {
    const page = await (await get("/docs")).text();
    const open = await json("/openapi.json");
    for (const { where, mediaType, media } of bodiesOf(open))
      for (const example of examplesIn(media, open))
        expect(page.includes(escapeHtml(exampleText(example, mediaType))), where).toBe(true);
    expect(page).toContain("&quot;username&quot;: &quot;phineas&quot;");
  });

  it("refers to nothing outside itself, and says so in its Content-Security-Policy", async () => {
    const res = await get("/docs");
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const page = await res.text();
    for (const tag of ["<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("])
      expect(page, tag).not.toContain(tag);
    const targets = [...page.matchAll(/\s(?:href|src|action|srcset|poster)="([^"]*)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(50);
    for (const target of targets) expect(target, target).toMatch(/^(#|\/(?!\/))/);
    // Examples are data, and their URLs (avatars on Discord's CDN, the SVG namespace) are text there.
    const outsideExamples = page.replace(/<pre>[\s\S]*?<\/pre>/g, "");
    expect(outsideExamples).not.toMatch(/https?:\/\//);
  });

  it("puts the operator's routes in a marked section after the public ones", async () => {
    const page = await (await get("/docs")).text();
    const operator = page.indexOf('<section class="tag operator" id="tag-operator">');
    expect(operator).toBeGreaterThan(0);
    expect(page.slice(operator)).toContain("API clients never need them");
    for (const id of ["get-proxy-metrics", "post-proxy-bots-bot-unlock"]) {
      expect(page.indexOf(`id="${id}"`)).toBeGreaterThan(operator);
    }
    const lastPublic = page.lastIndexOf('<article class="operation" id="delete-proxy-api-v10-route">');
    expect(lastPublic).toBeLessThan(operator);
  });
});

describe("the reference's pieces", () => {
  const components = {
    schemas: {
      Time: { type: "object", properties: { unix: { type: "integer", minimum: 0 } }, required: ["unix"] },
      Node: {
        type: "object",
        properties: { name: { type: "string" }, child: { $ref: "#/components/schemas/Node" } },
      },
      Used: { type: "object", properties: { time: { $ref: "#/components/schemas/Time" } } },
      Internal: { type: "string" },
    } satisfies Record<string, JsonSchema>,
  };

  it("expands nested objects, arrays and unions into dotted rows, and stops at a schema inside itself", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        seen: { anyOf: [{ $ref: "#/components/schemas/Time" }, { type: "null" }] },
        items: {
          type: "array",
          items: { anyOf: [{ $ref: "#/components/schemas/Time" }, { $ref: "#/components/schemas/Node" }] },
        },
        tree: { $ref: "#/components/schemas/Node" },
      },
      required: ["seen"],
    };
    const rows = fieldsOf(schema, components).map((row) => `${row.path} ${row.type} ${row.required ?? "-"}`);
    expect(rows).toEqual([
      "seen Time | null true",
      "seen.unix integer true",
      "items array of (Time | Node) false",
      "items[] as Time -",
      "items[].unix integer true",
      "items[] as Node -",
      "items[].name string false",
      "items[].child Node false",
      "tree Node false",
      "tree.name string false",
      "tree.child Node false",
    ]);
    expect(fieldsOf(schema, components).find((row) => row.path === "seen.unix")?.description).toBe(
      "At least 0.",
    );
  });

  it("names types as a reader would", () => {
    expect(typeLabel({ type: ["string", "null"], format: "uri" })).toBe("string (uri) | null");
    expect(typeLabel({ type: "string", enum: ["queue", "reject"] })).toBe('"queue" | "reject"');
    expect(typeLabel({ type: "object", additionalProperties: { type: "string" } })).toBe("object of string");
    expect(typeLabel({ type: "array", items: { $ref: "#/components/schemas/Time" } })).toBe("array of Time");
    expect(typeLabel({ type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } })).toBe(
      "array of (string | number)",
    );
    expect(typeLabel({})).toBe("any");
  });

  it("keeps of a document only what the chosen audiences' operations use", () => {
    const full: Document = {
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      tags: [{ name: "Public" }, { name: "Internal" }],
      paths: {
        "/a": {
          get: {
            tags: ["Public"],
            security: [{ Key: [] }],
            responses: {
              200: { content: { "application/json": { schema: { $ref: "#/components/schemas/Used" } } } },
            },
          },
          post: { tags: ["Internal"], responses: {} },
        },
        "/b": {
          get: {
            tags: ["Internal"],
            responses: {
              200: { content: { "application/json": { schema: { $ref: "#/components/schemas/Internal" } } } },
            },
          },
        },
      },
      components: {
        ...components,
        securitySchemes: { Key: { type: "apiKey" }, Other: { type: "apiKey" } },
      },
    };
    const open = documentFor(full, ["public", "operator"], full.info);
    expect(Object.keys(open.paths!)).toEqual(["/a"]);
    expect(Object.keys(open.paths!["/a"]!)).toEqual(["get"]);
    expect(Object.keys(open.components!.schemas!).sort()).toEqual(["Time", "Used"]);
    expect(Object.keys(open.components!.securitySchemes!)).toEqual(["Key"]);
    expect(open.tags).toEqual([{ name: "Public" }]);
    const internal = documentFor(full, ["internal"], full.info);
    expect(Object.keys(internal.paths!)).toEqual(["/a", "/b"]);
    expect(Object.keys(internal.components!.schemas!)).toEqual(["Internal"]);
  });
});
