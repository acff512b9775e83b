/**
 * Iterates `open(source)` for each source in turn, starting the next source's first read while
 * the current one is consumed: with many small files, opening and reading overlap the work.
 */
export async function* eachPrefetched<S, T>(
  sources: readonly S[],
  open: (source: S) => AsyncIterator<T>,
): AsyncGenerator<T> {
  let current: { it: AsyncIterator<T>; first: Promise<IteratorResult<T>> } | null = null;
  const start = (i: number) => {
    if (i >= sources.length) return null;
    const it = open(sources[i]!);
    const first = it.next();
    // Errors are seen when this result is awaited; until then they must not be unhandled.
    first.catch(() => undefined);
    return { it, first };
  };
  current = start(0);
  for (let i = 0; current !== null; i++) {
    const next = start(i + 1);
    let r = await current.first;
    while (!r.done) {
      yield r.value;
      r = await current.it.next();
    }
    current = next;
  }
}
