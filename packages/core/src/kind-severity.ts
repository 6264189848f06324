import type { ChangeKindName } from './schemas/alert.js';
import { severityRank, type Severity } from './severity.js';
import { KIND_INFO, type KindInfo } from './taxonomy.js';

/** The grade names KIND_INFO gives a kind (never for a kind without grades). */
export type KindGrade<K extends ChangeKindName> = (typeof KIND_INFO)[K] extends { readonly grades: infer G } ? Extract<keyof G, string> : never;

const TABLE: Readonly<Record<ChangeKindName, KindInfo>> = KIND_INFO;

/** The severity of a change of `kind`: its default, or the one its grade names. */
export function kindSeverity<K extends ChangeKindName>(kind: K, grade?: KindGrade<K>): Severity {
  const info = TABLE[kind];
  return (grade === undefined ? undefined : info.grades?.[grade]) ?? info.severity;
}

/**
 * The most severe of several grades found in one change (undefined stands for the default):
 * a change whose details range from cosmetic to an escalation is graded by the escalation.
 */
export function strongestGrade<K extends ChangeKindName>(kind: K, grades: ReadonlyArray<KindGrade<K> | undefined>): KindGrade<K> | undefined {
  let best: KindGrade<K> | undefined;
  let bestRank = -1;
  for (const g of grades) {
    const rank = severityRank(kindSeverity(kind, g));
    if (rank > bestRank) {
      best = g;
      bestRank = rank;
    }
  }
  return best;
}
