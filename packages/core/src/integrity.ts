import type { Observation, Unverifiable } from './schemas/snapshot.js';
import type { ChangeKindName } from './schemas/alert.js';
import type { Change } from './diff/types.js';
import { makeChange, quoteName } from './diff/format.js';
import { fingerprintTool, compareStrings } from './fingerprint.js';

const KIND_OF: Record<Unverifiable['list'], ChangeKindName> = {
  tools: 'tool.unverifiable',
  prompts: 'prompt.unverifiable',
  resources: 'resource.unverifiable',
  resourceTemplates: 'resource.unverifiable',
  server: 'server.unverifiable',
};

const NOUN: Record<Unverifiable['list'], string> = {
  tools: 'Tool',
  prompts: 'Prompt',
  resources: 'Resource',
  resourceTemplates: 'Resource template',
  server: 'Server',
};

/**
 * Findings about the snapshot itself, whatever the baseline says: what the probe could not keep,
 * and tool names listed more than once. Checked on every snapshot, first sight included, by the
 * differ and by `scan` alike, so the monitor fails closed on what it cannot read.
 */
export function integrityChanges(obs: Pick<Observation, 'tools' | 'unverifiable'>): Change[] {
  const out: Change[] = [];
  for (const u of obs.unverifiable ?? []) {
    const what = u.list === 'server' ? `Server ${u.subject}` : `${NOUN[u.list]} ${quoteName(u.subject)}`;
    out.push(
      makeChange(KIND_OF[u.list], u.subject, `${what} could not be read in full: ${u.detail}`, {
        after: { reason: u.reason, detail: u.detail, sha256: u.digest },
      }, { details: [`${u.reason}: ${u.detail}`, `sha256 of what was cut or dropped: ${u.digest}`] }),
    );
  }
  out.push(...duplicateNames(obs.tools));
  return out;
}

function duplicateNames(tools: Observation['tools']): Change[] {
  const byName = new Map<string, Array<Observation['tools'][number]>>();
  for (const tool of tools) {
    const list = byName.get(tool.name) ?? [];
    list.push(tool);
    byName.set(tool.name, list);
  }
  const out: Change[] = [];
  for (const [name, listed] of [...byName].sort(([a], [b]) => compareStrings(a, b))) {
    if (listed.length < 2) continue;
    // Fingerprinted only here: hashing every tool of every snapshot to find the rare duplicate
    // cost the analysis thread a twentieth of its time.
    const fps = listed.map((tool) => fingerprintTool(tool).tool);
    const definitions = [...fps].sort(compareStrings);
    const distinct = new Set(definitions).size;
    out.push(
      makeChange(
        'tool.duplicate_name',
        name,
        `Tool ${quoteName(name)} is listed ${fps.length} times (${distinct} distinct definition${distinct === 1 ? '' : 's'})`,
        { after: { count: fps.length, definitions } },
        { details: definitions.map((fp, i) => `definition ${i + 1}: tool fingerprint ${fp}`) },
      ),
    );
  }
  return out;
}
