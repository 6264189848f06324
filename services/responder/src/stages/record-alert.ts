import type { Alert } from '@driftwatch/core';
import type { StageContext } from '../context.js';

/** Stage 1: the alert's own lifecycle in the store (what /v1/alerts shows). */
export async function recordAlert(ctx: Pick<StageContext, 'store' | 'now'>, alert: Alert): Promise<void> {
  const { store } = ctx;
  const at = ctx.now().toISOString();
  if (alert.action === 'resolve') {
    const open = await store.getOpenAlertByDedupKey(alert.dedupKey);
    if (open) await store.putAlert({ ...open, status: 'resolved', resolvedAt: at, resolvedBy: 'differ', lastSeen: at });
    return;
  }
  const previous = await store.getOpenAlertByDedupKey(alert.dedupKey);
  const inserted = await store.insertAlert({ alert, status: 'open', firstSeen: at, lastSeen: at });
  if (inserted && previous && previous.alert.id !== alert.id) {
    // A newer change under the same key supersedes the older alert.
    await store.putAlert({ ...previous, status: 'resolved', resolvedAt: at, resolvedBy: `superseded by ${alert.id}`, lastSeen: at });
  }
}
