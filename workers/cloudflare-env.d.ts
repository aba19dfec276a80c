// Tells @cloudflare/workers-types what this Worker exports and binds, so `env` and `exports`
// from "cloudflare:workers" are typed in the Worker and in tests running inside workerd.
declare namespace Cloudflare {
  type WorkerEnv = import("./index.ts").Env;
  interface GlobalProps {
    mainModule: typeof import("./index.ts");
  }
  interface Env extends WorkerEnv {}
}
