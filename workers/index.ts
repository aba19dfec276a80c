import { Hono } from "hono";

/** Bindings the Worker receives from wrangler.toml. Grows as the pipeline lands. */
export type Env = Record<string, never>;

const app = new Hono<{ Bindings: Env }>();

app.get("/", (c) =>
  c.json({
    data: {
      info: "Porchlight: live Discord presence at the edge. Lantern and Lanyard compatible.",
    },
  }),
);

// Every miss is JSON, so API clients never have to parse an HTML error page.
app.notFound((c) => c.json({ error: "Resource not found." }, 404));

export default app;
