import type { World } from "./world.ts";

// CONTRACT (placeholder to be replaced by the interactions implementation).

export interface InteractionRequest {
  user_id: string;
  guild_id?: string;
  url?: string;
  type?: number;
  data?: unknown;
}

export interface InteractionResult {
  status: number;
  body: unknown;
}

export async function deliverInteraction(
  _world: World,
  _request: InteractionRequest,
): Promise<InteractionResult> {
  throw new Error("not implemented");
}
