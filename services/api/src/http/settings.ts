import type { DriftwatchConfig } from '@driftwatch/core';

/** The part of the config's `api` section (owned by ApiSettings) this layer reads. */
export interface ApiHttpSettings {
  anonymousRead?: boolean;
  allowedHosts?: string[];
  mutationsPerMinute?: number;
}

export const DEFAULT_MUTATIONS_PER_MINUTE = 60;

/** The `api` section of the config (ApiSettings, defaults applied at load). */
export function apiSettingsOf(config: DriftwatchConfig): ApiHttpSettings {
  return config.api;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/**
 * Anonymous callers may read only when the config says so, or, when it says nothing, for the
 * embedded quick start (`driftwatch start`) listening on loopback alone. Mutations never.
 */
export function resolveAnonymousRead(options: { configured: boolean | undefined; embedded: boolean; host: string }): boolean {
  return options.configured ?? (options.embedded && isLoopbackHost(options.host));
}
