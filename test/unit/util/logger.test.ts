import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('createLogger (JSON)', () => {
  it('writes the level as a word', () => {
    const script =
      "import { createLogger } from './src/util/logger.ts'; createLogger('info', 'json').warn('careful');";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../..', import.meta.url),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout.trim());
    assert.equal(line.level, 'warn');
    assert.equal(line.msg, 'careful');
  });
});
