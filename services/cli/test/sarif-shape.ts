/**
 * The parts of the SARIF 2.1.0 schema that code-scanning uploaders enforce, checked by hand (no
 * copy of the schema is available offline): required properties, enum values, and that every
 * result's ruleId/ruleIndex points at a rule of the driver.
 */
import { expect } from 'vitest';

export interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version?: string;
        rules: Array<{ id: string; name?: string; shortDescription: { text: string }; fullDescription: { text: string }; help?: { text: string }; defaultConfiguration: { level: string }; properties?: Record<string, unknown> }>;
      };
    };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{ physicalLocation?: { artifactLocation: { uri: string } }; logicalLocations?: Array<{ fullyQualifiedName?: string }> }>;
      partialFingerprints?: Record<string, string>;
      properties?: Record<string, unknown>;
    }>;
    invocations?: Array<{ executionSuccessful: boolean; toolExecutionNotifications?: Array<{ message: { text: string }; level?: string }> }>;
  }>;
}

const LEVELS = ['none', 'note', 'warning', 'error'];

export function expectValidSarif(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog;
  expect(log.version).toBe('2.1.0');
  expect(log.$schema).toMatch(/sarif-2\.1\.0/);
  expect(Array.isArray(log.runs)).toBe(true);
  expect(log.runs).toHaveLength(1);
  for (const run of log.runs) {
    const driver = run.tool.driver;
    expect(typeof driver.name).toBe('string');
    expect(driver.name.length).toBeGreaterThan(0);
    const ids = driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of driver.rules) {
      expect(rule.id.length).toBeGreaterThan(0);
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      expect(rule.fullDescription.text.length).toBeGreaterThan(0);
      expect(LEVELS).toContain(rule.defaultConfiguration.level);
      // GitHub reads security-severity as a number in a string, 0.0–10.0.
      const sev = Number(rule.properties?.['security-severity']);
      expect(sev).toBeGreaterThanOrEqual(0);
      expect(sev).toBeLessThanOrEqual(10);
    }
    // Every rule described is used, every result's rule is described.
    expect([...new Set(run.results.map((r) => r.ruleId))].sort()).toEqual([...ids].sort());
    for (const result of run.results) {
      expect(ids).toContain(result.ruleId);
      expect(driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
      expect(LEVELS).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(result.locations.length).toBeGreaterThan(0);
      for (const loc of result.locations) {
        if (loc.physicalLocation) expect(loc.physicalLocation.artifactLocation.uri.length).toBeGreaterThan(0);
      }
      for (const v of Object.values(result.partialFingerprints ?? {})) expect(typeof v).toBe('string');
    }
    for (const inv of run.invocations ?? []) {
      expect(typeof inv.executionSuccessful).toBe('boolean');
      for (const n of inv.toolExecutionNotifications ?? []) {
        expect(n.message.text.length).toBeGreaterThan(0);
        if (n.level !== undefined) expect(LEVELS).toContain(n.level);
      }
    }
  }
  return log;
}
