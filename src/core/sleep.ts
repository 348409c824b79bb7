/** The one real timer modsync waits with; stages take `SyncPorts.sleep` so tests can replace it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
