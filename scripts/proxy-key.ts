import { createHash, randomBytes } from "node:crypto";

// The same shapes as settings/secrets.ts (which is typed for workerd): 256 random bits, hex SHA-256.
const sha256Hex = async (value: string) => createHash("sha256").update(value).digest("hex");
const randomSecret = (prefix: string) => prefix + randomBytes(32).toString("base64url");

/**
 * `npm run proxy:key`: a new REST proxy key and the SHA-256 digest the deployment holds. The key
 * goes to the caller (their @discordjs/rest token); the digest goes into PROXY_KEYS (or a bot's
 * `keys` in PROXY_BOTS, or PROXY_ADMIN_KEYS), so the deployment never stores a usable key.
 * Given a key on stdin instead (`echo -n "$KEY" | npm run proxy:key -- --hash`), it prints that
 * key's digest: never pass a key as an argument, where any local user can read it.
 */

if (process.argv.includes("--hash")) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const key = Buffer.concat(chunks).toString("utf8").trim();
  if (!key) {
    console.error("no key on stdin");
    process.exit(1);
  }
  console.log(await sha256Hex(key));
} else {
  const key = randomSecret("plk_");
  console.log(`key     ${key}\nsha256  ${await sha256Hex(key)}`);
  console.log("\nGive the key to the caller; put the sha256 into PROXY_KEYS (comma-separated for several).");
}
