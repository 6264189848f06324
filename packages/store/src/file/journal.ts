import { open, type FileHandle } from 'node:fs/promises';

interface Pending {
  data: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface JournalOptions {
  /** Called between batches, with no write in flight: the place to compact. */
  maintenance?: (journal: Journal) => Promise<void>;
  needsMaintenance?: (journal: Journal) => boolean;
}

/**
 * An append-only file of lines. append() resolves once the line is on disk (fdatasync).
 * Appends that arrive while a batch is being synced are written and synced together with the
 * next batch (group commit), so throughput does not collapse to one fsync per call.
 */
export class Journal {
  private pending: Pending[] = [];
  private running: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private fh: FileHandle,
    private byteCount: number,
    private readonly opts: JournalOptions,
  ) {}

  static async open(path: string, opts: JournalOptions = {}): Promise<Journal> {
    const fh = await open(path, 'a');
    const { size } = await fh.stat();
    return new Journal(fh, size, opts);
  }

  get bytes(): number {
    return this.byteCount;
  }

  get failed(): Error | null {
    return this.failure;
  }

  append(line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('journal closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data: line, resolve, reject });
      if (!this.running) this.running = this.drain().finally(() => (this.running = null));
    });
  }

  /** Empty the journal (after its content was folded into a durable state file). */
  async truncate(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.datasync();
    this.byteCount = 0;
  }

  private async drain(): Promise<void> {
    while (this.pending.length && !this.failure) {
      const batch = this.pending.splice(0);
      try {
        const buf = Buffer.from(batch.map((p) => p.data).join(''), 'utf8');
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
        await this.fh.datasync();
        this.byteCount += buf.length;
        for (const p of batch) p.resolve();
      } catch (err) {
        // After a failed write we cannot know what reached the disk: stop accepting writes.
        this.failure = err instanceof Error ? err : new Error(String(err));
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(this.failure);
        return;
      }
      if (this.opts.maintenance && this.opts.needsMaintenance?.(this)) {
        try {
          await this.opts.maintenance(this);
        } catch {
          // Maintenance (compaction) failing is not a write failure: the journal still holds
          // everything. The caller logs; we keep going and will try again later.
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
    await this.fh.close();
  }
}
