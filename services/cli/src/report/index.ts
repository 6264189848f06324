import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';
import type { Report, ReportFormat } from './types.js';

export * from './types.js';

export const VERSION = '0.1.0';

export function formatReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, VERSION);
    default:
      return formatText(report);
  }
}
