import { open } from 'node:fs/promises';
import jsonc from 'jsonc-parser';
import { CliError } from '../commands/common.js';

/**
 * Client configs are small, but `~/.claude.json` also keeps Claude Code's per-project history and
 * grows to a few MiB on a well-used machine: 4 MiB reads those and still bounds what we hold.
 */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;
/** Nesting allowed; client configs need about 6. Checked before parsing (the parser recurses). */
export const MAX_IMPORT_DEPTH = 64;

/** Reads FILE (bounded) and parses it as JSON with comments and trailing commas (JSONC). */
export async function readImportFile(file: string): Promise<unknown> {
  const text = await readBounded(file);
  return parseJsonc(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
}

async function readBounded(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${reasonOf(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new CliError(`cannot read ${file}: not a regular file`);
    if (stat.size > MAX_IMPORT_BYTES) throw new CliError(`${file} is ${stat.size} bytes; the limit is ${MAX_IMPORT_BYTES}`);
    // One byte more than the limit tells a file that grew since stat from one that fits.
    const buffer = Buffer.alloc(MAX_IMPORT_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_IMPORT_BYTES) throw new CliError(`${file} is larger than the limit of ${MAX_IMPORT_BYTES} bytes`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${file}: ${reasonOf(err)}`);
  } finally {
    await handle.close();
  }
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? 'unreadable';
}

/**
 * JSONC → plain values. Objects are built with null prototypes and defined properties, so a
 * `__proto__` key is an ordinary key. Errors name the line and column, never the text there
 * (it may be a credential).
 */
export function parseJsonc(text: string, file: string): unknown {
  const tooDeep = deepestOffset(text);
  if (tooDeep !== undefined) throw new CliError(`${file}: nested deeper than ${MAX_IMPORT_DEPTH} levels at ${lineColumn(text, tooDeep)}; refusing to parse it`);
  const errors: jsonc.ParseError[] = [];
  const root = jsonc.parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) throw new CliError(`${file} is not valid JSON: ${jsonc.printParseErrorCode(first.error)} at ${lineColumn(text, first.offset)}`);
  if (!root) throw new CliError(`${file} is empty`);
  return toValue(root);
}

function toValue(node: jsonc.Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (!key || !value) continue;
        Object.defineProperty(out, String(key.value), { value: toValue(value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(toValue);
    default:
      return node.value as unknown;
  }
}

/** Offset where nesting first passes the limit, skipping strings and comments; undefined if never. */
function deepestOffset(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '{' || c === '[') {
      if (++depth > MAX_IMPORT_DEPTH) return i;
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return undefined;
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${offset - start + 1}`;
}
