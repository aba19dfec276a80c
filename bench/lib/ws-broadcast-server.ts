import { WebSocketServer } from "ws";

/**
 * The baseline of bench/socket.ts's fan-out: a plain Node `ws` server in a child process of its
 * own (as workerd is), broadcasting one text frame to every connected client the way the `ws`
 * README does. Talks to its parent over the IPC channel:
 *
 *   child → parent  {type: "ready", port}     listening on 127.0.0.1
 *   parent → child  {type: "broadcast", frame} send `frame` to every client
 *   child → parent  {type: "sent", clients}   the loop returned (the frames may still be in buffers)
 *   parent → child  {type: "close"}           close every client and exit
 */

type ParentMessage = { type: "broadcast"; frame: string } | { type: "close" };

if (!process.send) {
  console.error("ws-broadcast-server: run by bench/socket.ts (needs IPC)");
  process.exit(2);
}
const send = (message: object) => process.send?.(message);

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("listening", () => send({ type: "ready", port: (server.address() as { port: number }).port }));

process.on("message", (message: ParentMessage) => {
  if (message.type === "broadcast") {
    for (const client of server.clients) client.send(message.frame);
    send({ type: "sent", clients: server.clients.size });
  } else if (message.type === "close") {
    for (const client of server.clients) client.terminate();
    server.close(() => process.disconnect());
  }
});
// The parent gone (killed, crashed) means there is nothing left to serve.
process.on("disconnect", () => process.exit(0));
