import type { DriftEvent } from '@driftwatch/store';

/*
 * Server-Sent Events framing (HTML Living Standard, "Server-sent events"). Lines end at CR or LF, so
 * nothing we write may contain one where it would split a field: ids are digits, event names come
 * from a fixed set, and data is JSON (JSON.stringify escapes CR and LF inside strings).
 */

/** Asks the browser to reconnect after this long (it sends Last-Event-ID when it does). */
export function retryFrame(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

export function eventFrame(event: DriftEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * `id` moves the reader's position without an event of its own: `ready` when a stream starts
 * without Last-Event-ID, `reset` when the given one could not be resumed from.
 */
export function controlFrame(name: 'ready' | 'reset', id: string, data: Record<string, unknown>): string {
  return `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A heartbeat: a comment keeps proxies and load balancers from closing an idle stream, and the
 * bare `id` field moves the reader's Last-Event-ID to the current position without dispatching an
 * event (so a reader that filters types does not fall behind the log's retention while idle).
 */
export function heartbeatFrame(id: string): string {
  return `: heartbeat\nid: ${id}\n\n`;
}
