import { request, type IncomingMessage } from 'node:http';

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
}

export interface SseConnection {
  status: number;
  headers: IncomingMessage['headers'];
  /** Frames received so far (with data or an id), in order. */
  frames: SseFrame[];
  /** Resolves with the first frame (from index `from` on) matching, or rejects after timeoutMs. */
  waitFor(match: (f: SseFrame) => boolean, timeoutMs?: number, from?: number): Promise<SseFrame>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
  /** The body, for a non-stream answer. */
  text(): Promise<string>;
}

/** Parses the text of complete frames ("\n\n"-terminated blocks) per the SSE rules we rely on. */
export function parseFrames(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
    else {
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
    }
  }
  return frame;
}

/** A minimal EventSource over node:http, so a test can see every frame, status and header. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const frames: SseFrame[] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      let body = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        buf += chunk;
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          frames.push(parseFrames(buf.slice(0, at)));
          buf = buf.slice(at + 2);
        }
        for (const w of waiters) w();
      });
      res.on('close', () => {
        endedResolve();
        for (const w of waiters) w();
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        ended,
        close: () => req.destroy(),
        text: async () => {
          await ended;
          return body;
        },
        waitFor(match, timeoutMs = 5_000, from = 0) {
          return new Promise((ok, fail) => {
            const check = () => {
              const found = frames.slice(from).find(match);
              if (found) {
                done();
                ok(found);
              }
            };
            const timer = setTimeout(() => {
              done();
              fail(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`));
            }, timeoutMs);
            const done = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
