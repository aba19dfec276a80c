import { type APIAttachment, type APIEmbed, type APIMessage, MessageFlags } from "discord-api-types/v10";
import { RestErrors } from "./errors.ts";
import {
  arrayField,
  bodyObject,
  characterCount,
  type FieldPath,
  FormErrors,
  integerField,
  objectField,
  stringField,
} from "./form.ts";

/**
 * POST /channels/:id/messages bodies: Discord's limits on content, embeds and components,
 * checked the way Discord reports them (50035 with every failing field, then 50006 for a message
 * with nothing in it). Components are stored as given; only their count is checked.
 */

export const MESSAGE_LIMITS = {
  content: 2000,
  embeds: 10,
  /** Top-level components (action rows) of a classic message. */
  components: 5,
  /** Components of a message flagged IS_COMPONENTS_V2 (the emulator counts top-level ones only). */
  componentsV2: 40,
} as const;

export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Characters of all the texts above, summed over every embed of the message. */
  total: 6000,
} as const;

export interface MessageCreate {
  content: string;
  embeds: APIEmbed[];
  components: NonNullable<APIMessage["components"]>;
  flags: number;
}

export interface ParseOptions {
  /** Files sent with the message (multipart): a message with only attachments is not empty. */
  attachments?: number;
}

export function parseMessageCreate(body: unknown, options: ParseOptions = {}): MessageCreate {
  const fields = checkMessageFields(bodyObject(body));
  const message: MessageCreate = {
    content: fields.content ?? "",
    embeds: fields.embeds ?? [],
    components: fields.components ?? [],
    flags: fields.flags ?? 0,
  };
  if (isEmpty(message, options.attachments ?? 0)) throw RestErrors.emptyMessage();
  return message;
}

/**
 * An edit (PATCH of a channel or webhook message): only the fields given change, with the limits
 * of a new message; null clears content, embeds or components.
 */
export function parseMessageEdit(body: unknown): Partial<MessageCreate> {
  const given = bodyObject(body);
  const fields = checkMessageFields(given);
  const edit: Partial<MessageCreate> = {};
  if ("content" in given) edit.content = fields.content ?? "";
  if ("embeds" in given) edit.embeds = fields.embeds ?? [];
  if ("components" in given) edit.components = fields.components ?? [];
  if (fields.flags !== undefined) edit.flags = fields.flags;
  return edit;
}

/** Whether a message, as it would be after a create or an edit, has nothing in it (50006). */
export function isEmpty(
  message: Pick<MessageCreate, "content" | "embeds"> & { components?: unknown[] },
  attachments: number,
): boolean {
  return (
    message.content === "" &&
    message.embeds.length === 0 &&
    (message.components?.length ?? 0) === 0 &&
    attachments === 0
  );
}

/**
 * Applies a checked edit to a stored message, in place, and stamps edited_timestamp. New files
 * join the attachments kept: all of the old ones, or those the JSON's `attachments` lists by id.
 * Only SUPPRESS_EMBEDS may change among the flags, and an edit ends a deferred response's
 * LOADING state. An edit that would leave the message with nothing in it is 50006.
 */
export function applyMessageEdit(
  message: APIMessage,
  edit: Partial<MessageCreate>,
  added: APIAttachment[],
  keep: unknown,
): APIMessage {
  const { flags, ...fields } = edit;
  const kept = Array.isArray(keep)
    ? message.attachments.filter((a) => keep.some((k) => isObjectWithId(k) && String(k.id) === a.id))
    : message.attachments;
  const next = { ...message, ...fields, attachments: [...kept, ...added] };
  const touched = Object.keys(fields).length > 0 || Array.isArray(keep) || added.length > 0;
  if (touched && isEmpty({ ...next, components: next.components ?? [] }, next.attachments.length)) {
    throw RestErrors.emptyMessage();
  }
  const current = (message.flags ?? 0) & ~MessageFlags.Loading;
  Object.assign(message, next, {
    edited_timestamp: new Date().toISOString(),
    flags:
      flags === undefined
        ? current
        : (current & ~MessageFlags.SuppressEmbeds) | (flags & MessageFlags.SuppressEmbeds),
  });
  return message;
}

function isObjectWithId(value: unknown): value is { id: unknown } {
  return typeof value === "object" && value !== null && "id" in value;
}

/** Checks every field a message body may carry; 50035 with all of the failures at once. */
function checkMessageFields(fields: Record<string, unknown>): Partial<MessageCreate> {
  const errors = new FormErrors();
  const content = stringField(errors, ["content"], fields.content, { max: MESSAGE_LIMITS.content });
  const flags = integerField(errors, ["flags"], fields.flags);

  const embedList = arrayField(errors, ["embeds"], fields.embeds, { max: MESSAGE_LIMITS.embeds });
  let embedCharacters = 0;
  for (const [index, value] of (embedList ?? []).entries()) {
    embedCharacters += checkEmbed(errors, ["embeds", index], value);
  }
  if (embedCharacters > EMBED_LIMITS.total) {
    // The message is Discord's; the code and where it sits in the tree are UNVERIFIED.
    errors.add(["embeds"], {
      code: "MAX_EMBED_SIZE_EXCEEDED",
      message: `Embed size exceeds maximum size of ${EMBED_LIMITS.total}`,
    });
  }

  const maxComponents =
    (flags ?? 0) & MessageFlags.IsComponentsV2 ? MESSAGE_LIMITS.componentsV2 : MESSAGE_LIMITS.components;
  const components = arrayField(errors, ["components"], fields.components, { max: maxComponents });
  for (const [index, value] of (components ?? []).entries()) {
    objectField(errors, ["components", index], value, { required: true });
  }

  errors.throwIfAny();
  const checked: Partial<MessageCreate> = {};
  if (content !== undefined) checked.content = content;
  if (flags !== undefined) checked.flags = flags;
  if (embedList !== undefined) checked.embeds = embedList as APIEmbed[];
  if (components !== undefined) checked.components = components as MessageCreate["components"];
  return checked;
}

/** Checks one embed and returns how many characters it adds toward the 6000 total. */
function checkEmbed(errors: FormErrors, path: FieldPath, value: unknown): number {
  const embed = objectField(errors, path, value, { required: true });
  if (!embed) return 0;
  const texts: (string | undefined)[] = [
    stringField(errors, [...path, "title"], embed.title, { max: EMBED_LIMITS.title }),
    stringField(errors, [...path, "description"], embed.description, { max: EMBED_LIMITS.description }),
  ];
  const footer = objectField(errors, [...path, "footer"], embed.footer);
  if (footer) {
    texts.push(
      stringField(errors, [...path, "footer", "text"], footer.text, {
        max: EMBED_LIMITS.footerText,
        required: true,
      }),
    );
  }
  const author = objectField(errors, [...path, "author"], embed.author);
  if (author) {
    texts.push(
      stringField(errors, [...path, "author", "name"], author.name, {
        max: EMBED_LIMITS.authorName,
        required: true,
      }),
    );
  }
  const fieldList = arrayField(errors, [...path, "fields"], embed.fields, { max: EMBED_LIMITS.fields }) ?? [];
  for (const [index, value] of fieldList.entries()) {
    const fieldPath = [...path, "fields", index];
    const field = objectField(errors, fieldPath, value, { required: true });
    if (!field) continue;
    texts.push(
      stringField(errors, [...fieldPath, "name"], field.name, {
        max: EMBED_LIMITS.fieldName,
        required: true,
      }),
      stringField(errors, [...fieldPath, "value"], field.value, {
        max: EMBED_LIMITS.fieldValue,
        required: true,
      }),
    );
  }
  return texts.reduce((sum, text) => sum + (text ? characterCount(text) : 0), 0);
}
