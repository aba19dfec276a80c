import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from "node:crypto";

/**
 * Credentials of an emulated application. The key pair is derived from a seed, so the seeded
 * default application has a fixed, documented public key that a local Worker can be configured with.
 */
export interface ApplicationCredentials {
  botToken: string;
  /** Ed25519 public key, 64 hex characters, as Discord shows it in the developer portal. */
  publicKey: string;
  privateKey: KeyObject;
}

// PKCS#8 DER header for a raw 32-byte Ed25519 private key (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function ed25519FromSeed(seed: string): { publicKey: string; privateKey: KeyObject } {
  const raw = createHash("sha256").update(`porchlight-emulator-ed25519:${seed}`).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  // The raw public key is the last 32 bytes of its SPKI encoding.
  return { publicKey: spki.subarray(spki.length - 32).toString("hex"), privateKey };
}

/** A bot token shaped like Discord's: base64(user id) . timestamp part . HMAC part. */
export function botTokenFor(botUserId: string, seed: string): string {
  const id = Buffer.from(botUserId).toString("base64url");
  const mac = createHash("sha256").update(`porchlight-emulator-token:${seed}`).digest("base64url");
  return `${id}.Emu1at.${mac.slice(0, 38)}`;
}

export function credentialsFor(botUserId: string, seed: string): ApplicationCredentials {
  return { botToken: botTokenFor(botUserId, seed), ...ed25519FromSeed(seed) };
}

/** Signs an interaction the way Discord does: Ed25519 over timestamp + body. */
export function signInteraction(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body), privateKey).toString("hex");
}
