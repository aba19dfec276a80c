import type { APIAttachment } from "discord-api-types/v10";
import type { Context } from "hono";
import type { SnowflakeGenerator } from "../snowflake.ts";
import { RestErrors } from "./errors.ts";
import { FieldErrors, FormErrors, isObject } from "./form.ts";
import { readJson } from "./routing.ts";

/**
 * Message bodies as Discord takes them: JSON, or multipart/form-data with the JSON in a
 * `payload_json` part and the files in `files[0]`, `files[1]`… parts (developers/reference,
 * "Uploading Files"). The files' bytes are only measured: the emulator keeps no uploads, so the
 * attachment URLs it hands out are not served.
 */

/** Attachments per message. */
export const MAX_ATTACHMENTS = 10;
/**
 * A whole multipart request, files and JSON: 25 MiB, the default upload limit clients observe
 * since 2023 (413 with 40005 beyond). The emulator's own figure, like the rate limits.
 */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;

export interface UploadedFile {
  /** n of a `files[n]` part; the JSON's `attachments[].id` refers to it. */
  index: string;
  filename: string;
  /** Bytes received. */
  size: number;
  contentType: string;
}

export interface MessageBody {
  json: unknown;
  files: UploadedFile[];
}

const FILE_PART = /^files\[(\d+)\]$/;

/** Extensions whose type Discord would detect, for parts sent without a useful Content-Type. */
const TYPES_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  txt: "text/plain; charset=utf-8",
  json: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  mp4: "video/mp4",
};

export async function readMessageBody(c: Context): Promise<MessageBody> {
  const type = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) return { json: await readJson(c), files: [] };
  if (Number(c.req.header("content-length") ?? 0) > MAX_REQUEST_BYTES) throw RestErrors.entityTooLarge();
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    // Discord's wording for an unreadable multipart body is UNVERIFIED.
    throw RestErrors.invalidFormBody({
      _errors: [{ code: "MULTIPART_INVALID", message: "Could not parse the multipart body." }],
    });
  }
  const files: UploadedFile[] = [];
  const fields: Record<string, unknown> = {};
  let payload: string | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") {
      if (name === "payload_json") payload = value;
      else fields[name] = value;
      continue;
    }
    const index = FILE_PART.exec(name)?.[1] ?? String(files.length);
    files.push({ index, filename: value.name, size: value.size, contentType: contentTypeOf(value) });
  }
  if (files.reduce((sum, file) => sum + file.size, 0) > MAX_REQUEST_BYTES) throw RestErrors.entityTooLarge();
  return { json: payload === undefined ? fields : parsePayload(payload), files };
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw RestErrors.invalidJson();
  }
}

function contentTypeOf(file: File): string {
  if (file.type && file.type !== "application/octet-stream") return file.type;
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return TYPES_BY_EXTENSION[extension] ?? "application/octet-stream";
}

/**
 * The message's attachments, one per file, in the order the files came. The JSON's
 * `attachments: [{id: n, filename?, description?}]` may rename or describe `files[n]`.
 */
export function attachmentsFor(
  body: MessageBody,
  channelId: string,
  ids: SnowflakeGenerator,
  cdnBase: string,
): APIAttachment[] {
  if (body.files.length > MAX_ATTACHMENTS) {
    const errors = new FormErrors();
    errors.add(["attachments"], FieldErrors.length(0, MAX_ATTACHMENTS));
    errors.throwIfAny();
  }
  const described = isObject(body.json) && Array.isArray(body.json.attachments) ? body.json.attachments : [];
  return body.files.map((file) => {
    const meta = described.find((a: unknown) => isObject(a) && String(a.id) === file.index) as
      | Record<string, unknown>
      | undefined;
    const filename =
      typeof meta?.filename === "string" && meta.filename !== "" ? meta.filename : file.filename;
    const id = ids.next();
    const url = `${cdnBase}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    const attachment: APIAttachment = {
      id,
      filename,
      size: file.size,
      url,
      proxy_url: url,
      content_type: file.contentType,
    };
    if (typeof meta?.description === "string") attachment.description = meta.description;
    return attachment;
  });
}
