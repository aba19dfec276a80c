/**
 * `npm start`'s REST proxy key when PROXY_KEY is unset, and the CLI's when it talks to a loopback
 * Worker with no key given: documented in the README, public, so never for a deployment.
 */
export const LOCAL_PROXY_KEY = "plk_local-development-key-change-me-0000000000000";
