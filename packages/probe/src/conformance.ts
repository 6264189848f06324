import { LIMITS, type ConformanceProblem } from '@driftwatch/core';
import { excerpt } from './failure.js';

const MAX_PROBLEMS = 256;

/** Conformance problems of one probe, bounded to what an Observation may carry. */
export class Conformance {
  readonly problems: ConformanceProblem[] = [];
  private dropped = 0;

  add(method: string, message: string): void {
    if (this.problems.length < MAX_PROBLEMS - 1) {
      this.problems.push({ method: method.slice(0, 128), message: excerpt(message, 500) });
    } else {
      this.dropped += 1;
    }
  }

  list(): ConformanceProblem[] {
    if (this.dropped === 0) return this.problems;
    return [...this.problems, { method: 'driftwatch', message: `${this.dropped} more conformance problems not shown` }];
  }
}

/** Cuts a string to LIMITS.maxTextLength without splitting a surrogate pair. */
export function truncateText(text: string, max: number = LIMITS.maxTextLength): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
