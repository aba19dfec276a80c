import {
  type APIAttachment,
  type APIMessage,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  type RESTPostAPIInteractionCallbackWithResponseResult,
} from "discord-api-types/v10";
import type { StoredInteraction } from "../interaction-store.ts";
import type { World } from "../world.ts";
import { RestErrors } from "./errors.ts";
import { bodyObject, FormErrors, integerField } from "./form.ts";
import { applyMessageEdit, type MessageCreate, parseMessageCreate, parseMessageEdit } from "./messages.ts";
import { ORIGINAL_MESSAGE } from "./routing.ts";

/**
 * What an interaction's responses do to the world (developers/interactions/receiving-and-
 * responding): the initial response (the REST callback, or the endpoint's HTTP answer) is
 * accepted once and may create the original message; follow-ups are messages of the
 * interaction's webhook; @original and follow-ups can be read, edited and deleted through it.
 */

const CALLBACK_TYPES = [
  InteractionResponseType.Pong,
  InteractionResponseType.ChannelMessageWithSource,
  InteractionResponseType.DeferredChannelMessageWithSource,
  InteractionResponseType.DeferredMessageUpdate,
  InteractionResponseType.UpdateMessage,
  InteractionResponseType.ApplicationCommandAutocompleteResult,
  InteractionResponseType.Modal,
  InteractionResponseType.LaunchActivity,
];

/** An initial response, checked: its type, and the message it carries for types 4 and 7. */
export interface InitialResponse {
  type: InteractionResponseType;
  /** Type 4: the new message; type 7: the edit of the component's message; type 5: only flags. */
  message?: Partial<MessageCreate>;
  attachments?: APIAttachment[];
}

export function parseInitialResponse(body: unknown, attachments: APIAttachment[] = []): InitialResponse {
  const fields = bodyObject(body);
  const errors = new FormErrors();
  const type = integerField(errors, ["type"], fields.type, { choices: CALLBACK_TYPES, required: true });
  errors.throwIfAny();
  const response: InitialResponse = { type: type!, attachments };
  if (type === InteractionResponseType.ChannelMessageWithSource) {
    response.message = parseMessageCreate(fields.data, { attachments: attachments.length });
  } else if (type === InteractionResponseType.UpdateMessage) {
    response.message = parseMessageEdit(fields.data);
  } else if (type === InteractionResponseType.DeferredChannelMessageWithSource) {
    const data = bodyObject(fields.data ?? undefined);
    const flags = integerField(errors, ["data", "flags"], data.flags);
    errors.throwIfAny();
    response.message = { flags: flags ?? 0 };
  }
  return response;
}

/**
 * Accepts the initial response: 40060 if the interaction already has one. Types 4 and 5 post
 * the original message in the interaction's channel (5 as "thinking…", flag LOADING); 6 and 7
 * make the component's message the original (7 edits it).
 */
export function acknowledge(world: World, stored: StoredInteraction, response: InitialResponse): void {
  if (stored.responseType !== null) throw RestErrors.alreadyAcknowledged();
  const { type } = response;
  if (
    stored.channelId &&
    (type === InteractionResponseType.ChannelMessageWithSource ||
      type === InteractionResponseType.DeferredChannelMessageWithSource)
  ) {
    const deferred = type === InteractionResponseType.DeferredChannelMessageWithSource;
    const { content = "", flags = 0, ...rest } = response.message ?? {};
    stored.original = world.createMessage(stored.channelId, world.application.bot, deferred ? "" : content, {
      ...(deferred ? {} : rest),
      ...interactionMessageFields(stored, null),
      type:
        stored.type === InteractionType.ApplicationCommand ? MessageType.ChatInputCommand : MessageType.Reply,
      flags: (flags & MessageFlags.Ephemeral) | (deferred ? MessageFlags.Loading : 0),
      attachments: response.attachments ?? [],
    });
  } else if (
    stored.payload.message &&
    (type === InteractionResponseType.DeferredMessageUpdate || type === InteractionResponseType.UpdateMessage)
  ) {
    const component = stored.payload.message as APIMessage;
    const edit = (message: APIMessage) =>
      applyMessageEdit(message, response.message ?? {}, response.attachments ?? [], undefined);
    if (type === InteractionResponseType.UpdateMessage && isInChannel(world, component)) {
      // Discord edits the component's message itself, and announces it (MESSAGE_UPDATE).
      stored.original = world.editMessage(component.channel_id, component.id, edit);
    } else {
      const original = { ...component };
      if (type === InteractionResponseType.UpdateMessage) edit(original);
      stored.original = original;
    }
  }
  stored.responseType = type;
  world.botActions.record({
    kind: "interaction_response",
    channel_id: stored.channelId,
    message_id: stored.original?.id ?? null,
    interaction_id: stored.id,
    response_type: type,
    ...(stored.original ? { content: stored.original.content } : {}),
  });
}

/** The ?with_response=true answer: the interaction and what the response created. */
export function callbackResponse(
  stored: StoredInteraction,
): RESTPostAPIInteractionCallbackWithResponseResult {
  const original = stored.original;
  const type = stored.responseType!;
  const interaction: RESTPostAPIInteractionCallbackWithResponseResult["interaction"] = {
    id: stored.id,
    type: stored.type,
  };
  if (original) {
    interaction.response_message_id = original.id;
    interaction.response_message_loading = ((original.flags ?? 0) & MessageFlags.Loading) !== 0;
    interaction.response_message_ephemeral = ((original.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  }
  const carriesMessage =
    type === InteractionResponseType.ChannelMessageWithSource ||
    type === InteractionResponseType.UpdateMessage;
  return { interaction, resource: { type, ...(carriesMessage && original ? { message: original } : {}) } };
}

/** A follow-up message: a message of the interaction's webhook in the interaction's channel. */
export function followUp(
  world: World,
  stored: StoredInteraction,
  message: MessageCreate,
  attachments: APIAttachment[],
): APIMessage {
  if (!stored.channelId) throw RestErrors.unknownWebhook();
  const { content, flags, ...rest } = message;
  const created = world.createMessage(stored.channelId, world.application.bot, content, {
    ...rest,
    ...interactionMessageFields(stored, stored.original?.id ?? null),
    flags: flags & MessageFlags.Ephemeral,
    attachments,
  });
  stored.followUps.add(created.id);
  return created;
}

/** @original or a follow-up of this interaction; 10008 for anything else. */
export function interactionMessage(world: World, stored: StoredInteraction, messageId: string): APIMessage {
  const original = stored.original;
  if (original && (messageId === ORIGINAL_MESSAGE || messageId === original.id)) return original;
  if (stored.channelId && stored.followUps.has(messageId))
    return world.requireMessage(stored.channelId, messageId);
  throw RestErrors.unknownMessage();
}

/** Whether `message` is the one the world keeps (not an ephemeral or copied one), so edits are announced. */
function isInChannel(world: World, message: APIMessage): boolean {
  return world.channels.get(message.channel_id)?.messages.includes(message) ?? false;
}

/** Edits @original or a follow-up; one the world keeps is edited through it, so MESSAGE_UPDATE goes out. */
export function editInteractionMessage(
  world: World,
  stored: StoredInteraction,
  messageId: string,
  edit: (message: APIMessage) => void,
): APIMessage {
  const message = interactionMessage(world, stored, messageId);
  if (!isInChannel(world, message)) {
    edit(message);
    return message;
  }
  return world.editMessage(message.channel_id, message.id, edit);
}

export function deleteInteractionMessage(world: World, stored: StoredInteraction, messageId: string): void {
  const message = interactionMessage(world, stored, messageId);
  if (isInChannel(world, message)) world.deleteMessage(message.channel_id, message.id);
  if (message === stored.original) stored.original = null;
  else stored.followUps.delete(message.id);
}

/** What marks a message as the interaction's: its webhook (the application) and metadata. */
function interactionMessageFields(stored: StoredInteraction, originalId: string | null): Partial<APIMessage> {
  const { payload } = stored;
  const member = payload.member as { user?: unknown } | undefined;
  const metadata: Record<string, unknown> = {
    id: stored.id,
    type: stored.type,
    user: member?.user ?? payload.user,
    authorizing_integration_owners: payload.authorizing_integration_owners ?? {},
  };
  if (originalId) metadata.original_response_message_id = originalId;
  return {
    webhook_id: stored.applicationId,
    application_id: stored.applicationId,
    interaction_metadata: metadata as unknown as APIMessage["interaction_metadata"],
  };
}
