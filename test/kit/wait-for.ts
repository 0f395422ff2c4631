/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<Value>(
  probe: () => Promise<Value | undefined> | Value | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
