/**
 * What a hub reports through GET /ingest/sockets. Kept out of index.ts, whose imports need workerd's
 * types, so the Node-side socket benchmark can import the same shape.
 */
export interface HubStats {
  sockets: number;
  all_sockets: number;
  watched_users: number;
  events: {
    since: number;
    opens: number;
    messages: number;
    closes: number;
    alarms: number;
    deliveries: number;
  };
}
