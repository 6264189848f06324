import { z } from 'zod';
import { ToolRejection } from '@driftwatch/core';

/** Journal record: sets (or, with v null, removes) the rejection of one tool of one server. */
export const ToolRejectionRecord = z.object({
  t: z.literal('trej'),
  id: z.string().min(1),
  tool: z.string().min(1),
  v: ToolRejection.nullable(),
});
export type ToolRejectionRecord = z.infer<typeof ToolRejectionRecord>;

/** The embedded store's tool rejections, per server then per tool name (Maps: names are server text). */
export class ToolRejectionTable {
  private readonly byServer = new Map<string, Map<string, ToolRejection>>();

  apply(rec: ToolRejectionRecord): void {
    const tools = this.byServer.get(rec.id) ?? new Map<string, ToolRejection>();
    if (rec.v) tools.set(rec.tool, rec.v);
    else tools.delete(rec.tool);
    if (tools.size > 0) this.byServer.set(rec.id, tools);
    else this.byServer.delete(rec.id);
  }

  has(serverId: string, tool: string): boolean {
    return this.byServer.get(serverId)?.has(tool) ?? false;
  }

  /** Sorted by server, then tool name: a stable order for listings and documents. */
  list(serverId?: string): ToolRejection[] {
    const ids = serverId === undefined ? [...this.byServer.keys()].sort() : [serverId];
    const out: ToolRejection[] = [];
    for (const id of ids) {
      const tools = this.byServer.get(id);
      if (!tools) continue;
      for (const name of [...tools.keys()].sort()) out.push(structuredClone(tools.get(name)!));
    }
    return out;
  }

  /** Records that rebuild this table on replay. */
  dump(): ToolRejectionRecord[] {
    const out: ToolRejectionRecord[] = [];
    for (const [id, tools] of this.byServer) for (const [tool, v] of tools) out.push({ t: 'trej', id, tool, v });
    return out;
  }
}
