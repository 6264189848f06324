import type { ImportFormat, ParsedFile } from '../types.js';
import { parseClaudeCode } from './claude-code.js';
import { parseClaudeDesktop } from './claude-desktop.js';
import { parseCursor } from './cursor.js';
import { parseServerJson } from './server-json.js';
import { parseVsCode } from './vscode.js';

export { FormatError } from './errors.js';

/** One parser per format; each throws FormatError when the document is not that format. */
export function parseFormat(format: ImportFormat, doc: unknown, file: string): ParsedFile {
  switch (format) {
    case 'claude-desktop':
      return parseClaudeDesktop(doc, file);
    case 'claude-code':
      return parseClaudeCode(doc, file);
    case 'vscode':
      return parseVsCode(doc, file);
    case 'cursor':
      return parseCursor(doc, file);
    case 'server-json':
      return parseServerJson(doc);
  }
}
