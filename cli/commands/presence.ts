import type { LanternUser } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { CliFailure, EXIT } from "../exit-codes.ts";
import { clock, presenceLine, userName } from "../format.ts";

/** `presence` and `presence watch`: a user's presence now, or as it changes. */

export const presenceGet: Command = {
  path: ["presence"],
  usage: "<user_id>",
  summary: "a user's presence in one line: status, custom status, activity, Spotify",
  details: `Prints e.g. Ada (ada): online on desktop · Spotify: Let Go — Ark Patrol, Veronika Redd
With --json, Lantern's whole user object.`,
  options: { json: { type: "boolean", description: "print Lantern's user object as JSON" } },
  minArgs: 1,
  maxArgs: 1,
  async run({ args, values, client, settings, io }) {
    const user = await client.presence.get(args[0]!, { timeoutMs: settings.timeoutMs });
    io.out(values.json ? JSON.stringify(user, null, 2) : presenceLine(user));
    return 0;
  },
};

export const presenceWatch: Command = {
  path: ["presence", "watch"],
  usage: "<user_id...>",
  summary: "a line each time one of the users changes, until Ctrl-C",
  details: `Follows the users on /socket: first a line for each as they are now, then one per change
("20:41:07 Ada (ada): dnd on desktop · …"), key-value changes and users leaving. A dropped
connection is retried with backoff (said on stderr) and the lines resume. Ctrl-C ends it with
exit 0; it ends with exit 4 if no user is left to watch. With --json, one JSON event a line.`,
  options: { json: { type: "boolean", description: "print each event as one line of JSON" } },
  minArgs: 1,
  maxArgs: Number.POSITIVE_INFINITY,
  async run({ args, values, client, io }) {
    const subscription = client.subscribe(args);
    const print = (event: string, user: LanternUser, text: string) =>
      io.out(values.json ? JSON.stringify({ event, user }) : `${clock()} ${text}`);
    subscription.on("ready", ({ users }) => {
      for (const user of users) print("ready", user, presenceLine(user));
    });
    subscription.on("subscribed", ({ users }) => {
      for (const user of users) print("ready", user, presenceLine(user));
    });
    subscription.on("presence", (user) => print("presence", user, presenceLine(user)));
    subscription.on("joined", (user) => print("joined", user, `${presenceLine(user)} (joined)`));
    subscription.on("storage", (user) => {
      const pairs = Object.entries(user.storage).map(([key, value]) => `${key}=${value}`);
      print("storage", user, `${userName(user)}: storage ${pairs.join(" ") || "(empty)"}`);
    });
    subscription.on("left", ({ user_id }) =>
      io.out(
        values.json
          ? JSON.stringify({ event: "left", user_id })
          : `${clock()} ${user_id} left the monitored servers`,
      ),
    );
    subscription.on("error", ({ message }) => io.err(`porchlight: ${message}`));
    subscription.on("reconnecting", ({ delayMs, code, reason }) =>
      io.err(
        `porchlight: connection lost (${code}${reason ? `: ${reason}` : ""}); reconnecting in ${(delayMs / 1000).toFixed(1)} s`,
      ),
    );

    const stopped = io.interrupted().then(() => "interrupted" as const);
    const outcome = await Promise.race([stopped, subscription.closed]);
    if (outcome === "interrupted") {
      subscription.close();
      return EXIT.ok;
    }
    // The server ended it: 4000 means no user is left to watch (all left, or none monitored).
    const exit = outcome.code === 4000 ? EXIT.notFound : EXIT.other;
    throw new CliFailure(
      `the subscription ended (${outcome.code}): ${outcome.reason || "no reason given"}`,
      exit,
    );
  },
};
