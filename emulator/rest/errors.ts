import { RESTJSONErrorCodes } from "discord-api-types/v10";
import { WorldError } from "../world.ts";

/**
 * Errors exactly as Discord's REST API sends them: `{message, code}`, plus `errors` for
 * 50035 Invalid Form Body. Route-level errors (401, 404, 405) carry code 0, as on Discord.
 */

/** One problem with one field, e.g. `{code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length."}`. */
export interface FieldError {
  code: string;
  message: string;
}

/** Discord nests field errors by path and lists them under `_errors` at the leaf. */
export interface ErrorTree {
  _errors?: FieldError[];
  [field: string]: ErrorTree | FieldError[] | undefined;
}

export interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: ErrorTree;
}

export class DiscordHttpError extends Error {
  readonly status: number;
  readonly code: number;
  readonly errors: ErrorTree | undefined;
  constructor(status: number, code: number, message: string, errors?: ErrorTree) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  get body(): DiscordErrorBody {
    return this.errors
      ? { message: this.message, code: this.code, errors: this.errors }
      : { message: this.message, code: this.code };
  }
}

export const RestErrors = {
  unauthorized: () => new DiscordHttpError(401, 0, "401: Unauthorized"),
  notFound: () => new DiscordHttpError(404, 0, "404: Not Found"),
  methodNotAllowed: () => new DiscordHttpError(405, 0, "405: Method Not Allowed"),
  invalidJson: () =>
    new DiscordHttpError(
      400,
      RESTJSONErrorCodes.RequestBodyContainsInvalidJSON,
      "The request body contains invalid JSON.",
    ),
  invalidFormBody: (errors: ErrorTree) =>
    new DiscordHttpError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body", errors),
  emptyMessage: () =>
    new DiscordHttpError(400, RESTJSONErrorCodes.CannotSendAnEmptyMessage, "Cannot send an empty message"),
  unknownApplication: () =>
    new DiscordHttpError(404, RESTJSONErrorCodes.UnknownApplication, "Unknown Application"),
  unknownMessage: () => new DiscordHttpError(404, RESTJSONErrorCodes.UnknownMessage, "Unknown Message"),
  unknownEmoji: () => new DiscordHttpError(400, RESTJSONErrorCodes.UnknownEmoji, "Unknown Emoji"),
  unknownWebhook: () => new DiscordHttpError(404, RESTJSONErrorCodes.UnknownWebhook, "Unknown Webhook"),
  unknownInteraction: () =>
    new DiscordHttpError(404, RESTJSONErrorCodes.UnknownInteraction, "Unknown interaction"),
  alreadyAcknowledged: () =>
    new DiscordHttpError(
      400,
      RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
      "Interaction has already been acknowledged.",
    ),
  missingPermissions: () =>
    new DiscordHttpError(403, RESTJSONErrorCodes.MissingPermissions, "Missing Permissions"),
  notAuthor: () =>
    new DiscordHttpError(
      403,
      RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
      "Cannot edit a message authored by another user",
    ),
  tooManyReactions: () =>
    new DiscordHttpError(
      400,
      RESTJSONErrorCodes.MaximumNumberOfReactionsReached,
      "Maximum number of reactions reached (20)",
    ),
  entityTooLarge: () =>
    new DiscordHttpError(413, RESTJSONErrorCodes.RequestEntityTooLarge, "Request entity too large"),
  tooManyCommands: (limit: number) =>
    new DiscordHttpError(
      400,
      RESTJSONErrorCodes.MaximumNumberOfApplicationCommandsReached,
      `Maximum number of application commands reached (${limit})`,
    ),
};

/** What the error handler sends for a thrown error; null means an emulator bug (500). */
export function discordErrorFor(error: unknown): { status: number; body: DiscordErrorBody } | null {
  if (error instanceof DiscordHttpError) return { status: error.status, body: error.body };
  if (error instanceof WorldError) {
    return { status: error.status, body: { message: error.message, code: error.code } };
  }
  return null;
}
