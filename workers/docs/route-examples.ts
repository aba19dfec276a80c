import type { z } from "zod";

/**
 * Examples for route definitions. A route answering one schema with different meanings (a 400
 * and a 404 of the same error shape) gives each its own example; a body built from schemas that
 * have examples (an array of users, an envelope) builds its example from theirs.
 */

/** A JSON answer as a route documents it: what it means, its schema, and one such answer. */
export function jsonAnswer<T extends z.ZodType>(schema: T, description: string, example: z.input<T>) {
  return { description, content: { "application/json": { schema, example } } };
}

/** The example a schema carries in its `.meta()`; a schema without one is a mistake, found at startup. */
export function exampleOf<T extends z.ZodType>(schema: T): z.input<T> {
  const example = schema.meta()?.example;
  if (example === undefined) throw new Error(`schema ${schema.meta()?.id ?? "(unnamed)"} has no example`);
  return example as z.input<T>;
}
