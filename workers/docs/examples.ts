import type { Components, MediaType } from "./openapi-types.ts";
import { resolve } from "./references.ts";

/**
 * A body's examples, from where OpenAPI allows them, most specific first: the media type's own
 * `example` or named `examples` (a route's answer for one status), else its schema's example (the
 * zod schema's `.meta({ example })`, through a reference).
 */

export interface ShownExample {
  /** The name of one of several examples; none for the only one. */
  title?: string;
  value: unknown;
}

export function examplesOf(media: MediaType, components: Components | undefined): ShownExample[] {
  if (media.example !== undefined) return [{ value: media.example }];
  const named = Object.entries(media.examples ?? {}).filter(([, example]) => example.value !== undefined);
  if (named.length > 0)
    return named.map(([key, example]) => ({ title: example.summary ?? key, value: example.value }));
  if (!media.schema) return [];
  const schema = resolve(media.schema, components);
  const value = media.schema.example ?? schema.example ?? schema.examples?.[0];
  return value === undefined ? [] : [{ value }];
}

/** An example as the body would read: JSON indented, text (an SVG, Prometheus' format) as it is. */
export function exampleText(value: unknown, mediaType: string): string {
  const json = mediaType.includes("json") || typeof value !== "string";
  return json ? JSON.stringify(value, null, 2) : value;
}
