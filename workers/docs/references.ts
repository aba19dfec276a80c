import type { Components, JsonSchema } from "./openapi-types.ts";

const COMPONENTS = "#/components/";
/** zod-to-openapi names every schema with a meta id `#/components/schemas/<id>`. */
const SCHEMA_REF = `${COMPONENTS}schemas/`;

/** The component a `$ref` names, or undefined for a schema that is not a reference. */
export function refName(schema: JsonSchema): string | undefined {
  return schema.$ref?.startsWith(SCHEMA_REF) ? schema.$ref.slice(SCHEMA_REF.length) : undefined;
}

/** The schema itself, or the component it refers to (an unknown reference resolves to "anything"). */
export function resolve(schema: JsonSchema, components: Components | undefined): JsonSchema {
  const name = refName(schema);
  if (name === undefined) return schema;
  return components?.schemas?.[name] ?? {};
}

/**
 * The components ("schemas/LanternUser", "parameters/…") that values (operations, schemas) use,
 * directly or through other components: what a document must keep when it keeps those values.
 */
export function reachableComponents(roots: unknown[], components: Components | undefined): Set<string> {
  const found = new Set<string>();
  const byKind = components as Record<string, Record<string, unknown> | undefined> | undefined;
  // `names` is true for a map whose keys are names (a schema's properties), not keywords.
  const visit = (value: unknown, names = false): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (names) visit(child);
      else if (key === "$ref" && typeof child === "string" && child.startsWith(COMPONENTS)) {
        const id = child.slice(COMPONENTS.length);
        if (found.has(id)) continue;
        found.add(id);
        const [kind = "", name = ""] = id.split("/");
        visit(byKind?.[kind]?.[name]);
      } else if (key !== "example" && key !== "examples") {
        // Examples are data: a "$ref" key inside one is a value, not a reference.
        visit(child, key === "properties");
      }
    }
  };
  visit(roots);
  return found;
}
