/** Waits until the newest of `times()` (ms since the epoch) is at least `quietMs` old: no new call came meanwhile. */
export async function waitForQuiet(times: () => number[], quietMs: number): Promise<void> {
  for (;;) {
    const last = Math.max(0, ...times());
    const wait = last + quietMs - Date.now();
    if (wait <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
