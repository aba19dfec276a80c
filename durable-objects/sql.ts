/**
 * A single-row JSON document in a Durable Object's SQLite storage. SQLite storage calls are
 * synchronous, so an object can load its state in the constructor without blockConcurrencyWhile.
 */
export class JsonDocument<T> {
  #sql: SqlStorage;
  #table: string;

  constructor(sql: SqlStorage, table: string) {
    this.#sql = sql;
    this.#table = table;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)`,
    );
  }

  read(): T | null {
    const row = this.#sql.exec<{ json: string }>(`SELECT json FROM ${this.#table} WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.json) as T) : null;
  }

  write(value: T): void {
    this.#sql.exec(
      `INSERT INTO ${this.#table} (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json`,
      JSON.stringify(value),
    );
  }

  clear(): void {
    this.#sql.exec(`DELETE FROM ${this.#table}`);
  }
}

/**
 * An alarm's sweep of rows that carry their own expiry (`expires_at`, ms): deletes what has
 * expired and sets the next alarm for the earliest row left, so storage holds only live rows and
 * the object wakes no more often than its rows expire. `spaced` may move that alarm later.
 */
export async function sweepExpiredRows(
  storage: DurableObjectStorage,
  table: string,
  spaced: (next: number) => number = (next) => next,
): Promise<void> {
  storage.sql.exec(`DELETE FROM ${table} WHERE expires_at <= ?`, Date.now());
  const next = storage.sql
    .exec<{ next: number | null }>(`SELECT MIN(expires_at) AS next FROM ${table}`)
    .one().next;
  // Whatever is left expires after now, so the next sweep is in the future.
  if (next !== null) await storage.setAlarm(spaced(next));
}
