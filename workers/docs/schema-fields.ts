import type { Components, JsonSchema } from "./openapi-types.ts";
import { refName, resolve } from "./references.ts";

/**
 * A body's schema as the reference shows it: one row per field, nested objects, array items and
 * the variants of a union expanded in place under dotted paths (`metadata.flags.bitfield`,
 * `activities[].name`), so a reader sees every field of a response without following references.
 */

export interface FieldRow {
  /** Where the field is: `metadata.flags.bitfield`, `activities[]` for an array's items. */
  path: string;
  /** How deep it is, for indenting. */
  depth: number;
  type: string;
  /** Undefined on a variant row, which is not a field but one shape a field may take. */
  required?: boolean;
  description: string;
}

/** Deeper than any Porchlight payload; a guard against schemas that refer to themselves. */
const MAX_DEPTH = 8;

/** The body as a whole: its type and what it is. */
export function bodySummary(schema: JsonSchema, components: Components | undefined) {
  return { type: typeLabel(schema), description: describe(schema, components) };
}

/** Every field of a body, in the schema's order. An array's fields are its items'. */
export function fieldsOf(schema: JsonSchema, components: Components | undefined): FieldRow[] {
  const rows: FieldRow[] = [];
  const top = resolve(schema, components);
  const start = top.type === "array" && top.items ? top.items : schema;
  addChildren(start, "", 0, new Set(), rows, components);
  return rows;
}

function addChildren(
  schema: JsonSchema,
  path: string,
  depth: number,
  seen: Set<string>,
  rows: FieldRow[],
  components: Components | undefined,
): void {
  const name = refName(schema);
  if (depth > MAX_DEPTH || (name !== undefined && seen.has(name))) return;
  const inside = name === undefined ? seen : new Set([...seen, name]);
  const s = resolve(schema, components);
  const more = (child: JsonSchema, childPath: string, childDepth: number) =>
    addChildren(child, childPath, childDepth, inside, rows, components);

  const variants = withoutNull(s.anyOf ?? s.oneOf ?? []);
  if (variants.length === 1) {
    more(variants[0]!, path, depth);
    return;
  }
  if (variants.some((variant) => hasFields(variant, components))) {
    for (const variant of variants) {
      rows.push({
        path,
        depth,
        type: `as ${typeLabel(variant)}`,
        description: describe(variant, components),
      });
      more(variant, path, depth + 1);
    }
    return;
  }
  for (const part of s.allOf ?? []) more(part, path, depth);
  for (const [key, property] of Object.entries(s.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    rows.push({
      path: at,
      depth,
      type: typeLabel(property),
      required: s.required?.includes(key) ?? false,
      description: describe(property, components),
    });
    more(property, at, depth + 1);
  }
  if (s.items && hasFields(s.items, components)) more(s.items, `${path}[]`, depth);
  if (typeof s.additionalProperties === "object" && hasFields(s.additionalProperties, components))
    more(s.additionalProperties, `${path}.<key>`, depth);
}

/** Whether a schema has fields of its own to list (an object, an array of objects, a union of them). */
function hasFields(schema: JsonSchema, components: Components | undefined, depth = 0): boolean {
  const s = resolve(schema, components);
  if (depth > MAX_DEPTH) return false;
  if (s.properties && Object.keys(s.properties).length > 0) return true;
  const nested = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
  if (s.items) nested.push(s.items);
  if (typeof s.additionalProperties === "object") nested.push(s.additionalProperties);
  return nested.some((child) => hasFields(child, components, depth + 1));
}

function withoutNull(variants: JsonSchema[]): JsonSchema[] {
  return variants.filter((variant) => variant.type !== "null");
}

/** A field's type in a few words: `string | null`, `"online" | "idle"`, `array of LanternActivity`. */
export function typeLabel(schema: JsonSchema): string {
  const name = refName(schema);
  if (name !== undefined) return name;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeLabel).join(" | ");
  if (schema.allOf) return schema.allOf.map(typeLabel).join(" & ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const types = schema.type === undefined ? [] : [schema.type].flat();
  const nullable = types.includes("null") ? " | null" : "";
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ") + nullable;
  const labels = types.filter((type) => type !== "null").map((type) => singleTypeLabel(type, schema));
  if (labels.length === 0) return nullable ? "null" : "any";
  return labels.join(" | ") + nullable;
}

function singleTypeLabel(type: string, schema: JsonSchema): string {
  if (type === "array") {
    const items = schema.items ? typeLabel(schema.items) : "any";
    return `array of ${items.includes(" ") ? `(${items})` : items}`;
  }
  if (type === "object" && !schema.properties && typeof schema.additionalProperties === "object") {
    const values = typeLabel(schema.additionalProperties);
    return values === "any" ? "object" : `object of ${values}`;
  }
  if (type === "string" && schema.format) return `string (${schema.format})`;
  return type;
}

/**
 * What a field is: its own description (or `text`, a parameter's), else its component's, then the
 * rules its values follow.
 */
export function describe(schema: JsonSchema, components: Components | undefined, text?: string): string {
  const target = resolve(schema, components);
  text ??= schema.description ?? target.description ?? "";
  const rules = rulesOf(schema.$ref ? schema : target);
  return [text, ...rules].filter(Boolean).join(" ");
}

function rulesOf(s: JsonSchema): string[] {
  const rules: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    if (min !== undefined && max !== undefined) rules.push(`${min} to ${max}${unit}.`);
    else if (min !== undefined) rules.push(`At least ${min}${unit}.`);
    else if (max !== undefined) rules.push(`At most ${max}${unit}.`);
  };
  range(s.minimum, s.maximum, "");
  range(s.minLength, s.maxLength, " characters");
  range(s.minItems, s.maxItems, " items");
  if (s.pattern) rules.push(`Matches \`${s.pattern}\`.`);
  if (s.default !== undefined) rules.push(`Default \`${JSON.stringify(s.default)}\`.`);
  return rules;
}
