// A new op id (docs/protocol.md): the server applies an op id once, so an op resent
// after a reconnect, a reload or a retried HTTP post is not applied twice.
export function newOpId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
