import { type Document, type Operation, operationsOf } from "./openapi-types.ts";
import { reachableComponents } from "./references.ts";

/**
 * Who an operation is for, read from its tags. Public: what API clients call. Operator: what the
 * deployment's operator calls with an admin key (PROXY_ADMIN_KEYS); documented beside the public
 * API, in a section of its own, because a self-hosting operator needs it and it is guarded anyway.
 * Internal: what only Porchlight's own parts or Discord call, signed: the gateway runner's ingest,
 * its session checkpoints, socket statistics and guild reconciliation (tag "Internal"), and the
 * interactions endpoint Discord calls (tag "Bot"). Internal operations are kept out of /openapi.json
 * and /docs; they are described in /openapi.internal.json instead.
 */
export type Audience = "public" | "operator" | "internal";

export const OPERATOR_TAG = "Operator";
const INTERNAL_TAGS = new Set(["Internal", "Bot"]);

export function audienceOf(operation: Operation): Audience {
  const tags = operation.tags ?? [];
  if (tags.some((tag) => INTERNAL_TAGS.has(tag))) return "internal";
  if (tags.includes(OPERATOR_TAG)) return "operator";
  return "public";
}

/**
 * The part of a document whose operations are for one of the given audiences: only their paths,
 * only the components they use and only the tags they carry, so nothing of the rest shows through.
 */
export function documentFor(full: Document, audiences: Audience[], info: Document["info"]): Document {
  const paths: NonNullable<Document["paths"]> = {};
  for (const { path, method, operation } of operationsOf(full)) {
    if (!audiences.includes(audienceOf(operation))) continue;
    paths[path] = { ...paths[path], [method]: operation };
  }
  const operations = Object.values(paths).flatMap((item) => Object.values(item));
  const used = reachableComponents(operations, full.components);
  // Security schemes are named by requirements, not referenced.
  for (const op of operations)
    for (const requirement of op.security ?? [])
      for (const name of Object.keys(requirement)) used.add(`securitySchemes/${name}`);
  const tagNames = new Set(operations.flatMap((op) => op.tags ?? []));
  const components = Object.fromEntries(
    Object.entries(full.components ?? {}).map(([kind, byName]) => [
      kind,
      Object.fromEntries(Object.entries(byName ?? {}).filter(([name]) => used.has(`${kind}/${name}`))),
    ]),
  );
  return {
    ...full,
    info,
    tags: (full.tags ?? []).filter((tag) => tagNames.has(tag.name)),
    paths,
    components,
  };
}
