import type { World } from "./world.ts";

// CONTRACT (placeholder to be replaced by the simulator implementation).

export interface SimulatorOptions {
  users: number;
  rate: number;
  guildId?: string;
  seed?: number;
}

export interface SimulatorStatus {
  running: boolean;
  users: number;
  rate: number;
  guild_id: string | null;
  updates: number;
}

export class Simulator {
  #world: World;
  constructor(world: World) {
    this.#world = world;
  }
  start(options: SimulatorOptions): SimulatorStatus {
    return { running: false, users: options.users, rate: options.rate, guild_id: null, updates: 0 };
  }
  stop(): SimulatorStatus {
    return this.status();
  }
  status(): SimulatorStatus {
    return {
      running: false,
      users: 0,
      rate: 0,
      guild_id: this.#world.guilds.keys().next().value ?? null,
      updates: 0,
    };
  }
  /** Emits `count` updates as fast as the event loop allows; resolves when all are dispatched. */
  async burst(_count: number): Promise<void> {}
}
