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
}
