import { isMonitored } from "../../durable-objects/monitored-users.ts";
import type { RateLimitedRoute } from "../../schemas/proxy.ts";
import { PROXY_HEADERS } from "../../schemas/proxy.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { gatewayUsersOn } from "../../settings/proxy.ts";

/**
 * The Spectacles proxy's "caching ingested data from the gateway": GET /users/:id for a user
 * Porchlight monitors is answered from their presence object, whose profile the gateway keeps
 * current (every profile change of a member reaches it), so the call costs Discord nothing.
 * Opt-in (PROXY_GATEWAY_USERS=true), because the gateway's user object lacks the banner and accent
 * colour Discord's REST answer has. Anyone else's id goes to Discord as usual; the directory is
 * asked first, so a stranger's id never wakes (or creates) a user object.
 */
export async function gatewayUser(env: Env, route: RateLimitedRoute, path: string): Promise<Response | null> {
  if (route.kind !== "bot" || route.method !== "GET" || route.bucketRoute !== "/users/:id") return null;
  if (!gatewayUsersOn(env)) return null;
  const id = path.split("/")[2]!;
  if (!Snowflake.safeParse(id).success || !(await isMonitored(env, id))) return null;
  const user = await env.USER_PRESENCE.getByName(id).discordUser();
  if (!user) return null;
  return new Response(JSON.stringify(user), {
    headers: {
      "content-type": "application/json",
      [PROXY_HEADERS.cache]: "hit",
      "x-porchlight-source": "gateway",
    },
  });
}
