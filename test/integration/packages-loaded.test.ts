import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

// Memory is part of the product: packages that only some configurations need are imported only
// then. The Kubernetes client costs about 40 MB, the web configuration's YAML parser and bcrypt 1-2 MB.
const SCRIPT = new URL('../support/packages-loaded.mts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mpe-packages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function packagesLoaded(args: string[]): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
}

describe('packages imported at start', () => {
  it('without --web.config.file, in local mode: neither the Kubernetes client nor yaml or bcryptjs', () => {
    const loaded = packagesLoaded([]);
    // The runtime packages themselves, so that the hook is known to see packages at all.
    for (const name of ['fastify', 'pino', 'prom-client', 'node-cron'])
      assert.ok(loaded.includes(name), name);
    for (const name of ['@kubernetes/client-node', 'yaml', 'bcryptjs']) {
      assert.ok(!loaded.includes(name), `${name} was imported: ${loaded.join(', ')}`);
    }
  });

  it('with --web.config.file: yaml, still not the Kubernetes client (bcryptjs only in its own thread, at the first login)', () => {
    const file = join(dir, 'web.yml');
    writeFileSync(
      file,
      'basic_auth_users:\n  prometheus: $2y$10$abcdefghijklmnopqrstuuC5VIZ1dnwO.hPXd9SxRwEjvX6gs9Ks6\n',
    );
    const loaded = packagesLoaded([`--web.config.file=${file}`]);
    assert.ok(loaded.includes('yaml'), loaded.join(', '));
    assert.ok(!loaded.includes('bcryptjs'), loaded.join(', '));
    assert.ok(!loaded.includes('@kubernetes/client-node'));
  });
});
