import { z } from "zod";
import { LanternUser } from "./lantern.ts";
import { LanyardPresence } from "./lanyard.ts";
import { Snowflake } from "./snowflake.ts";

/**
 * The /socket protocol's frames, both dialects (Lantern's README, section WebSocket; Lanyard's in
 * shared/reference §6). Every frame is a JSON object `{op, t?, d?}`. Which dialect a socket speaks is
 * decided by its first INIT (op 2): `user_id`/`user_ids` is Lantern, `subscribe_to_*` is Lanyard.
 * The state machine that applies these is durable-objects/socket-hub/protocol.ts, whose header
 * lists every close code and every decision about ambiguous input; the caps it enforces (ids per
 * socket, frame size, flood) are in durable-objects/socket-hub/limits.ts.
 *
 * Keys a schema does not name are ignored in both dialects, as Lantern (zod's default) and Lanyard
 * (Elixir map patterns) ignore them.
 */

// ---------------------------------------------------------------------------------------------
// Client frames: Lantern
// ---------------------------------------------------------------------------------------------

/** Lantern's README writes "All", its code compares with "ALL"; any case is accepted. */
export const LanternAll = z
  .string()
  .regex(/^all$/i, 'must be "All"')
  .meta({ description: 'Every monitored user: "All" (any case: "ALL" and "all" too).' });

const TARGET_EXAMPLE = { user_ids: ["94490510688792576", "1191168918421504000"] };

/** Who an INIT, SUBSCRIBE or UNSUBSCRIBE is about: exactly one of `user_id` and `user_ids`. */
export const LanternTarget = z
  .object({
    user_id: z
      // One message for both branches: the id's own rule, rather than zod's "Invalid input".
      .union([Snowflake, LanternAll], { error: 'must be a Discord id (17 to 20 digits) or "All"' })
      .optional()
      .describe('One user\'s id, or "All" for every monitored user.'),
    user_ids: z
      .array(Snowflake)
      .min(1, "must list at least one id")
      .optional()
      .describe("Several users' ids; duplicates count once. At most 100 ids per socket in all."),
  })
  .superRefine((d, ctx) => {
    const given = Number(d.user_id !== undefined) + Number(d.user_ids !== undefined);
    if (given === 0)
      ctx.addIssue({ code: "custom", message: "Either user_id or user_ids must be provided." });
    if (given === 2)
      ctx.addIssue({ code: "custom", message: "Only one of user_id or user_ids can be provided." });
  })
  .meta({
    id: "LanternSocketTarget",
    description:
      'The users an INIT, SUBSCRIBE or UNSUBSCRIBE is about: exactly one of `user_id` (an id, or "All") and `user_ids`.',
    example: TARGET_EXAMPLE,
  });
export type LanternTarget = z.output<typeof LanternTarget>;

const lanternOp = <Op extends number>(op: Op, t: string) =>
  z.literal(op).describe(`${op}: ${t}`) as z.ZodLiteral<Op>;
const optionalName = z.string().optional().describe("The op's name; optional and ignored.");

export const LanternInit = z.object({ op: lanternOp(2, "INIT"), t: optionalName, d: LanternTarget }).meta({
  id: "LanternSocketInit",
  description:
    "Lantern INIT: subscribe, once per socket, within 10 s of connecting (it may be sent before HELLO is read). Answered by INIT_ACK (op 3) with the user (`user_id`) or an array of users (`user_ids`, All). Users that are not monitored are left out and named in an ERROR (op 11); if none is left the socket gets DISCONNECT (op 9) and closes with 4000.",
  example: { op: 2, d: { user_id: "94490510688792576" } },
});

export const LanternHeartbeat = z
  .object({ op: lanternOp(4, "HEARTBEAT"), t: optionalName, d: z.unknown().optional().describe("Ignored.") })
  .meta({
    id: "LanternSocketHeartbeat",
    description:
      'Lantern HEARTBEAT, every heartbeat_interval ms, before INIT too. Answered by HEARTBEAT_ACK (op 5). The exact text `{"op":4}` is answered by the runtime without waking the hub, so it is the cheapest heartbeat to send. Any frame counts as a sign of life; two intervals without one close the socket (4009).',
    example: { op: 4 },
  });

export const LanternSubscribe = z
  .object({ op: lanternOp(12, "SUBSCRIBE"), t: optionalName, d: LanternTarget })
  .meta({
    id: "LanternSocketSubscribe",
    description:
      "Lantern SUBSCRIBE: add users after INIT. Answered by SUBSCRIBE_ACK (op 13) carrying the added users' data (an addition to Lantern, which sent no data), or by ERROR (op 11) and no change: already subscribed, already on All, not monitored, over the id cap, All not allowed.",
    example: { op: 12, d: { user_ids: ["1191168918421504000"] } },
  });

export const LanternUnsubscribe = z
  .object({ op: lanternOp(14, "UNSUBSCRIBE"), t: optionalName, d: LanternTarget })
  .meta({
    id: "LanternSocketUnsubscribe",
    description:
      'Lantern UNSUBSCRIBE: drop users. Answered by UNSUBSCRIBE_ACK (op 15); by ERROR (op 11) and no change for users not subscribed or for ids while subscribed to All; `{"user_id":"All"}` drops everything. Once nothing is left the socket gets DISCONNECT (op 9) and closes with 4000.',
    example: { op: 14, d: { user_id: "1191168918421504000" } },
  });

export const LanternClientFrame = z
  .discriminatedUnion("op", [LanternInit, LanternHeartbeat, LanternSubscribe, LanternUnsubscribe])
  .meta({
    id: "LanternSocketClientFrame",
    description: "A frame a Lantern client sends: only ops 2, 4, 12 and 14.",
  });

// ---------------------------------------------------------------------------------------------
// Client frames: Lanyard
// ---------------------------------------------------------------------------------------------

const LanyardId = z
  .string()
  .describe(
    "A user's id. Subscribing to a string that is not a Discord id closes the socket with 4006, reason `invalid_user_id: <field>: must be a Discord id (17 to 20 digits)`; unsubscribing from one does nothing.",
  );

/** Exactly one of the given keys must be present. */
function exactlyOne(keys: readonly string[]) {
  return (d: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const given = keys.filter((key) => d[key] !== undefined).length;
    if (given !== 1)
      ctx.addIssue({ code: "custom", message: `Exactly one of ${keys.join(", ")} is required.` });
  };
}

export const LanyardSubscription = z
  .object({
    subscribe_to_id: LanyardId.optional().describe(
      "One user; INIT_STATE's d is their presence, or {} if they are not monitored.",
    ),
    subscribe_to_ids: z
      .array(LanyardId)
      .optional()
      .describe("Several users; INIT_STATE's d maps each monitored one's id to their presence."),
    subscribe_to_all: z
      .literal(true)
      .optional()
      .describe("Every monitored user, where the deployment allows it; false is invalid (4006)."),
  })
  .superRefine(exactlyOne(["subscribe_to_id", "subscribe_to_ids", "subscribe_to_all"]))
  .meta({
    id: "LanyardSocketSubscription",
    description: "Exactly one of subscribe_to_id, subscribe_to_ids and subscribe_to_all.",
    example: { subscribe_to_ids: ["94490510688792576", "1191168918421504000"] },
  });
export type LanyardSubscription = z.output<typeof LanyardSubscription>;

export const LanyardUnsubscription = z
  .object({
    unsubscribe_from_id: LanyardId.optional(),
    unsubscribe_from_ids: z.array(LanyardId).optional(),
    unsubscribe_from_all: z
      .literal(true)
      .optional()
      .describe("Drops every subscription, ids included; false is invalid (4006)."),
  })
  .superRefine(exactlyOne(["unsubscribe_from_id", "unsubscribe_from_ids", "unsubscribe_from_all"]))
  .meta({
    id: "LanyardSocketUnsubscription",
    description:
      "Exactly one of unsubscribe_from_id, unsubscribe_from_ids and unsubscribe_from_all. Ids not subscribed are ignored, and so are ids while subscribed to all.",
    example: { unsubscribe_from_id: "94490510688792576" },
  });
export type LanyardUnsubscription = z.output<typeof LanyardUnsubscription>;

export const LanyardInitialize = z
  .object({ op: z.literal(2).describe("2: Initialize"), d: LanyardSubscription })
  .meta({
    id: "LanyardSocketInitialize",
    description:
      "Lanyard Initialize: subscribe; repeatable, each adds to the subscription. Answered by an INIT_STATE event (op 0) for what it named. It may be sent before Hello is read. A `d` that is missing, not an object or empty closes with 4005; any other bad `d` with 4006; more than 100 ids in all with 4007; All where not allowed with 4010.",
    example: { op: 2, d: { subscribe_to_id: "94490510688792576" } },
  });

export const LanyardHeartbeat = z
  .object({ op: z.literal(3).describe("3: Heartbeat"), d: z.unknown().optional().describe("Ignored.") })
  .meta({
    id: "LanyardSocketHeartbeat",
    description:
      "Lanyard Heartbeat, every heartbeat_interval ms. Not answered. Two intervals without any frame close the socket (4009).",
    example: { op: 3 },
  });

export const LanyardUnsubscribe = z
  .object({
    op: z.literal(4).describe("4: Unsubscribe"),
    d: LanyardUnsubscription.optional().describe(
      'Without d the frame does nothing (the runtime answers the exact text {"op":4} as a Lantern heartbeat).',
    ),
  })
  .meta({
    id: "LanyardSocketUnsubscribe",
    description:
      "Lanyard Unsubscribe. Not answered. A `d` that is not an object or is empty closes with 4005; any other bad `d` with 4006.",
    example: { op: 4, d: { unsubscribe_from_ids: ["94490510688792576"] } },
  });

export const LanyardClientFrame = z
  .discriminatedUnion("op", [LanyardInitialize, LanyardHeartbeat, LanyardUnsubscribe])
  .meta({
    id: "LanyardSocketClientFrame",
    description: "A frame a Lanyard client sends: ops 2, 3 and 4; any other op closes with 4004.",
  });

// ---------------------------------------------------------------------------------------------
// Server frames
// ---------------------------------------------------------------------------------------------

export const SocketHello = z
  .object({
    t: z.literal("HELLO"),
    op: z.literal(1),
    d: z.object({ heartbeat_interval: z.int().min(1).describe("Milliseconds between heartbeats.") }),
  })
  .meta({
    id: "SocketHello",
    description:
      "Sent first on every socket, before the dialect is known, so it is both Lantern's HELLO and Lanyard's Hello (which ignores `t`).",
    example: { t: "HELLO", op: 1, d: { heartbeat_interval: 30000 } },
  });

/** A Lantern server frame: `{t, op}` plus `d` when the op carries data. */
const frame = <Op extends number, T extends string>(op: Op, t: T) => ({
  t: z.literal(t),
  op: z.literal(op),
});

export const LanternUsers = z
  .union([LanternUser, z.array(LanternUser)])
  .describe("One user for `user_id`; an array for `user_ids` and All.");

export const LanternInitAck = z.object({ ...frame(3, "INIT_ACK"), d: LanternUsers }).meta({
  id: "LanternSocketInitAck",
  description: "Answers INIT with the subscribed users' data; users not monitored are left out.",
});
export const LanternHeartbeatAck = z.object(frame(5, "HEARTBEAT_ACK")).meta({
  id: "LanternSocketHeartbeatAck",
  description: "Answers HEARTBEAT.",
});
export const LanternPresenceUpdate = z.object({ ...frame(6, "PRESENCE_UPDATE"), d: LanternUser }).meta({
  id: "LanternSocketPresenceUpdate",
  description: "A subscribed user changed: their whole user object, one user per frame.",
});
export const LanternUserLeft = z
  .object({ ...frame(7, "USER_LEFT"), d: z.object({ user_id: Snowflake }) })
  .meta({
    id: "LanternSocketUserLeft",
    description:
      "A subscribed user left the monitored servers and is no longer subscribed (sent on All too). If no user is left, DISCONNECT follows.",
  });
export const LanternUserJoined = z.object({ ...frame(8, "USER_JOINED"), d: LanternUser }).meta({
  id: "LanternSocketUserJoined",
  description: "A user joined the monitored servers; sent only to sockets subscribed to All.",
});
export const LanternDisconnect = z
  .object({
    ...frame(9, "DISCONNECT"),
    d: z.object({
      error: z.string().describe("Why; Lantern's code sends this key."),
      reason: z.string().describe("The same text; Lantern's README shows this key."),
    }),
  })
  .meta({
    id: "LanternSocketDisconnect",
    description: "The server is closing the socket; the close code follows (see the socket docs).",
  });
export const LanternStorageUpdate = z.object({ ...frame(10, "STORAGE_UPDATE"), d: LanternUser }).meta({
  id: "LanternSocketStorageUpdate",
  description:
    "A subscribed user's key-value pairs changed: their whole user object, `storage` included, as Lantern's server sends it (its README shows only the pairs).",
});
export const LanternError = z.object({ ...frame(11, "ERROR"), d: z.string() }).meta({
  id: "LanternSocketError",
  description: "A request could not be honoured; nothing changed and the socket stays open.",
});
export const LanternSubscribeAck = z.object({ ...frame(13, "SUBSCRIBE_ACK"), d: LanternUsers }).meta({
  id: "LanternSocketSubscribeAck",
  description:
    "Answers SUBSCRIBE with the added users' data (Lantern sent no `d`; its clients ignore it). Users not monitored are left out and named in an ERROR.",
});
export const LanternUnsubscribeAck = z.object(frame(15, "UNSUBSCRIBE_ACK")).meta({
  id: "LanternSocketUnsubscribeAck",
  description: "Answers UNSUBSCRIBE when users are still subscribed.",
});

export const LanternServerFrame = z
  .discriminatedUnion("op", [
    SocketHello,
    LanternInitAck,
    LanternHeartbeatAck,
    LanternPresenceUpdate,
    LanternUserLeft,
    LanternUserJoined,
    LanternDisconnect,
    LanternStorageUpdate,
    LanternError,
    LanternSubscribeAck,
    LanternUnsubscribeAck,
  ])
  .meta({ id: "LanternSocketServerFrame", description: "A frame the server sends a Lantern client." });
export type LanternServerFrame = z.output<typeof LanternServerFrame>;

export const LanyardInitState = z
  .object({
    op: z.literal(0),
    t: z.literal("INIT_STATE"),
    d: z
      .union([LanyardPresence, z.record(Snowflake, LanyardPresence)])
      .describe(
        "subscribe_to_id: the presence, or {} if not monitored; subscribe_to_ids and subscribe_to_all: id → presence, unmonitored ids left out.",
      ),
  })
  .meta({ id: "LanyardSocketInitState", description: "Answers each Initialize (op 2)." });

export const LanyardPresenceUpdate = z
  .object({
    op: z.literal(0),
    t: z.literal("PRESENCE_UPDATE"),
    d: z.object({
      ...LanyardPresence.shape,
      user_id: Snowflake.describe("Whose presence this is (Lanyard PR #297; older clients ignore it)."),
    }),
  })
  .meta({
    id: "LanyardSocketPresenceUpdate",
    description:
      "A subscribed user's presence or key-value pairs changed, or (with subscribe_to_all) a user joined.",
  });

export const LanyardServerFrame = z
  .union([SocketHello, LanyardInitState, LanyardPresenceUpdate])
  .meta({ id: "LanyardSocketServerFrame", description: "A frame the server sends a Lanyard client." });
export type LanyardServerFrame = z.output<typeof LanyardServerFrame>;
