import { type ErrorTree, type FieldError, RestErrors } from "./errors.ts";

/**
 * Field checks that collect every problem of a body, then fail once with 50035 Invalid Form Body
 * and Discord's nested `errors` tree (`{content: {_errors: [{code, message}]}}`). Each check
 * returns the value when it is valid and undefined otherwise, so callers read like a schema.
 */

export type FieldPath = readonly (string | number)[];

export class FormErrors {
  readonly #tree: ErrorTree = {};
  #count = 0;

  /** Records an error; returns undefined so a check can `return errors.add(...)` for "no value". */
  add(path: FieldPath, error: FieldError): undefined {
    let node = this.#tree;
    for (const key of path) {
      const child = (node[String(key)] as ErrorTree | undefined) ?? {};
      node[String(key)] = child;
      node = child;
    }
    node._errors = [...(node._errors ?? []), error];
    this.#count += 1;
    return undefined;
  }

  get count(): number {
    return this.#count;
  }

  /** Throws 50035 carrying every error collected so far; does nothing when there are none. */
  throwIfAny(): void {
    if (this.#count > 0) throw RestErrors.invalidFormBody(this.#tree);
  }
}

/**
 * Codes and messages as Discord is seen to send them (client error reports quote them). The codes
 * BASE_TYPE_STRING and NUMBER_TYPE_MAX are UNVERIFIED: no source shows them, so they are guesses.
 */
export const FieldErrors = {
  required: (): FieldError => ({ code: "BASE_TYPE_REQUIRED", message: "This field is required" }),
  notString: (value: unknown): FieldError => ({
    code: "BASE_TYPE_STRING",
    message: `Could not interpret "${JSON.stringify(value)}" as string.`,
  }),
  notObject: (): FieldError => ({
    code: "MODEL_TYPE_CONVERT",
    message: "Only dictionaries may be used in a ModelType",
  }),
  notBodyObject: (): FieldError => ({
    code: "DICT_TYPE_CONVERT",
    message: "Only dictionaries may be used in a DictType",
  }),
  notArray: (): FieldError => ({
    code: "LIST_TYPE_CONVERT",
    message: "Only iterables may be used in a ListType",
  }),
  notInteger: (value: unknown): FieldError => ({
    code: "NUMBER_TYPE_COERCE",
    message: `Value "${String(value)}" is not int.`,
  }),
  notSnowflake: (value: unknown): FieldError => ({
    code: "NUMBER_TYPE_COERCE",
    message: `Value "${String(value)}" is not snowflake.`,
  }),
  snowflakeTooLarge: (): FieldError => ({
    code: "NUMBER_TYPE_MAX",
    message: `snowflake value should be less than or equal to ${MAX_SNOWFLAKE}.`,
  }),
  notOneOf: (choices: readonly number[]): FieldError => ({
    code: "BASE_TYPE_CHOICES",
    message: `Value must be one of {${choices.join(", ")}}.`,
  }),
  length: (min: number, max: number): FieldError =>
    min > 0
      ? { code: "BASE_TYPE_BAD_LENGTH", message: `Must be between ${min} and ${max} in length.` }
      : { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${max} or fewer in length.` },
  pattern: (): FieldError => ({
    code: "STRING_TYPE_REGEX",
    message: "String value did not match validation regex.",
  }),
};

/** Discord's API counts characters as code points (it is written in Python), not UTF-16 units. */
export function characterCount(value: string): number {
  return [...value].length;
}

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function missing(errors: FormErrors, path: FieldPath, required: boolean): undefined {
  return required ? errors.add(path, FieldErrors.required()) : undefined;
}

export interface StringRule {
  min?: number;
  max: number;
  required?: boolean;
  pattern?: RegExp;
}

export function stringField(
  errors: FormErrors,
  path: FieldPath,
  value: unknown,
  rule: StringRule,
): string | undefined {
  if (absent(value)) return missing(errors, path, rule.required ?? false);
  if (typeof value !== "string") return errors.add(path, FieldErrors.notString(value));
  const length = characterCount(value);
  const min = rule.min ?? 0;
  if (length < min || length > rule.max) return errors.add(path, FieldErrors.length(min, rule.max));
  if (rule.pattern && !rule.pattern.test(value)) return errors.add(path, FieldErrors.pattern());
  return value;
}

export function arrayField(
  errors: FormErrors,
  path: FieldPath,
  value: unknown,
  rule: { max: number; required?: boolean },
): unknown[] | undefined {
  if (absent(value)) return missing(errors, path, rule.required ?? false);
  if (!Array.isArray(value)) return errors.add(path, FieldErrors.notArray());
  if (value.length > rule.max) return errors.add(path, FieldErrors.length(0, rule.max));
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function objectField(
  errors: FormErrors,
  path: FieldPath,
  value: unknown,
  rule: { required?: boolean } = {},
): Record<string, unknown> | undefined {
  if (absent(value)) return missing(errors, path, rule.required ?? false);
  if (!isObject(value)) return errors.add(path, FieldErrors.notObject());
  return value;
}

/** A request body must be a JSON object; an empty body counts as {}. */
export function bodyObject(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (isObject(value)) return value;
  throw RestErrors.invalidFormBody({ _errors: [FieldErrors.notBodyObject()] });
}

export function integerField(
  errors: FormErrors,
  path: FieldPath,
  value: unknown,
  rule: { choices?: readonly number[]; required?: boolean } = {},
): number | undefined {
  if (absent(value)) return missing(errors, path, rule.required ?? false);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return errors.add(path, FieldErrors.notInteger(value));
  }
  if (rule.choices && !rule.choices.includes(value)) {
    return errors.add(path, FieldErrors.notOneOf(rule.choices));
  }
  return value;
}

/** A page size from the query string: an integer from 1 to `max`, `fallback` when absent. */
export function limitQuery(
  errors: FormErrors,
  value: string | undefined,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (Number.isInteger(limit) && limit >= 1 && limit <= max) return limit;
  errors.add(["limit"], {
    code: "NUMBER_TYPE_MAX",
    message: `int value should be greater than or equal to 1 and less than or equal to ${max}.`,
  });
  return fallback;
}

/** The largest snowflake Discord accepts: ids are signed 64-bit integers. */
export const MAX_SNOWFLAKE = 9_223_372_036_854_775_807n;

/**
 * A snowflake as Discord reads one: any decimal integer up to int64 (a string or a number), so
 * "123" is a valid id that names nothing (404), while "abc" is a malformed one (50035).
 */
export function snowflakeField(
  errors: FormErrors,
  path: FieldPath,
  value: unknown,
  rule: { required?: boolean } = {},
): string | undefined {
  if (absent(value)) return missing(errors, path, rule.required ?? false);
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !/^\d+$/.test(text)) {
    return errors.add(path, FieldErrors.notSnowflake(value));
  }
  if (BigInt(text) > MAX_SNOWFLAKE) return errors.add(path, FieldErrors.snowflakeTooLarge());
  return BigInt(text).toString();
}
