import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { metricsTable, settingsTable } from '../tools/readme-tables.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function between(name: string): string {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(README);
  assert.ok(m, `README has no ${name} markers`);
  return m[1] as string;
}

describe('README', () => {
  it('lists exactly the metrics the code defines (regenerate: npm run docs:tables)', () => {
    assert.equal(between('metrics-table'), metricsTable());
  });

  it('lists exactly the settings the code accepts', () => {
    assert.equal(between('settings-table'), settingsTable());
  });

  it('opens with the two commands: run the demo, run every test', () => {
    const head = README.split('\n').slice(0, 30).join('\n');
    assert.match(head, /npm ci && npm start/);
    assert.match(head, /scripts\/test-all\.sh/);
  });

  it('is what .ci/run runs', () => {
    assert.match(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8'), /scripts\/test-all\.sh/);
    assert.match(readFileSync(new URL('../../scripts/test-all.sh', import.meta.url), 'utf8'), /npm test/);
  });
});
