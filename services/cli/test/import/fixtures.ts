import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';
import { readImportFile } from '../../src/import/read-input.js';

export const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'import');

/** Each fixture, and the fake credentials written into it in clear: none may survive an import. */
export const FIXTURES = {
  claudeDesktop: {
    file: join(FIXTURE_DIR, 'claude-desktop', 'claude_desktop_config.json'),
    secrets: ['ghp_fixtureDesktop7Qw3Er5Ty7Ui9Op1As3Df5', 'pwDesktopS3cretFixture', 'sk_live_fixtureDesk0p4Xk9Lm2Nb7Vc', 'nk_fixtureDesktopHttp3Pq8Rs1Tu6'],
  },
  claudeCodeUser: {
    file: join(FIXTURE_DIR, 'claude-code', '.claude.json'),
    secrets: ['cc_fixtureHttpTok9Zx8Yw7Vu6Ts5', 'hunter2FixtureDefault', 'sntrys_fixtureBlog2Wq5Er8Ty1Ui4'],
  },
  claudeCodeProject: { file: join(FIXTURE_DIR, 'claude-code', 'project', '.mcp.json'), secrets: [] },
  vscode: {
    file: join(FIXTURE_DIR, 'vscode', '.vscode', 'mcp.json'),
    secrets: ['xoxb-fixture-1234567890-abcdefGHIJklmn', 'vsc_fixtureKey4Hj8Kl2Mn6Bv0Cx'],
  },
  vscodeSettings: { file: join(FIXTURE_DIR, 'vscode', 'settings.json'), secrets: [] },
  cursor: {
    file: join(FIXTURE_DIR, 'cursor', '.cursor', 'mcp.json'),
    secrets: ['sk-proj-fixtureCursor1a2b3c4d5e6f7g8h', 'cur_fixtureTok3Gh7Jk1Lm5Nq9', 'curq_fixture8Rt2Yu6Io0Pa4'],
  },
  serverJson: {
    file: join(FIXTURE_DIR, 'registry', 'server.json'),
    secrets: ['reg_fixtureSecret5Tg9Hy3Uj7Ik1', 'regh_fixtureHeader6Yh2Uj8Ik4Ol0'],
  },
} as const;

export const ALL_SECRETS: readonly string[] = Object.values(FIXTURES).flatMap((f) => f.secrets);

/** Guards the no-leak tests against passing vacuously: each secret is really in its fixture. */
export function fixtureText(file: string): string {
  return readFileSync(file, 'utf8');
}

export async function fixtureDoc(file: string): Promise<unknown> {
  return readImportFile(file);
}
