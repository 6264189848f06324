import type { Redis } from 'ioredis';

interface Cursor {
  key: string;
  offset: number;
  done: boolean;
  buf: Array<{ id: string; score: number }>;
}

/** Redis's ZREVRANGE order: score descending, then member descending. */
function ahead(a: { id: string; score: number }, b: { id: string; score: number }): boolean {
  return a.score > b.score || (a.score === b.score && a.id > b.id);
}

/**
 * Walks one or more sorted sets as one, newest first, a page at a time (a k-way merge of
 * ZREVRANGE pages). Lets a listing read only the indexes that can match instead of everything.
 */
export async function* walkNewestFirst(redis: Redis, keys: string[], pageSize: number): AsyncGenerator<string[]> {
  const cursors: Cursor[] = keys.map((key) => ({ key, offset: 0, done: false, buf: [] }));
  for (;;) {
    const refill = cursors.filter((c) => !c.done && c.buf.length === 0);
    if (refill.length) {
      const pipe = redis.pipeline();
      for (const c of refill) pipe.zrevrange(c.key, c.offset, c.offset + pageSize - 1, 'WITHSCORES');
      const res = (await pipe.exec()) ?? [];
      refill.forEach((c, i) => {
        const [err, flat] = res[i] ?? [new Error('missing reply'), null];
        if (err) throw err;
        const items = flat as string[];
        for (let j = 0; j + 1 < items.length; j += 2) c.buf.push({ id: items[j]!, score: Number(items[j + 1]) });
        c.offset += items.length / 2;
        if (items.length / 2 < pageSize) c.done = true;
      });
    }
    const page: string[] = [];
    // Merge until a cursor with more to fetch runs dry: beyond that point order is unknown.
    while (page.length < pageSize) {
      let best: Cursor | null = null;
      for (const c of cursors) {
        const head = c.buf[0];
        if (head && (!best || ahead(head, best.buf[0]!))) best = c;
      }
      if (!best) break;
      page.push(best.buf.shift()!.id);
      if (best.buf.length === 0 && !best.done) break;
    }
    if (page.length === 0) return;
    yield page;
  }
}
