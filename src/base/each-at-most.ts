/**
 * A bounded fan-out over a list: the ops commands read or change many executions and records, a
 * few RPCs at a time so a run of thousands of items neither floods the server nor waits in line.
 */

/**
 * Calls `work` for each of `items` (with its index), at most `limit` at once, in list order; resolves
 * once every call has. A call that throws rejects the whole, so callers that must go on catch inside.
 */
export async function eachAtMost<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
