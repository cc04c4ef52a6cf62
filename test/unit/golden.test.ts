import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GOLDEN, renderDemoData } from '../support/render-demo.ts';

// The whole data exposition of each demo node, pinned. After an intended change: npm run golden:update.
describe('golden /metrics', () => {
  for (const node of ['worker-a', 'worker-b'] as const) {
    it(`renders the ${node} demo exactly as test/golden/${node}.prom`, async () => {
      assert.equal(await renderDemoData(node), readFileSync(GOLDEN(node), 'utf8'));
    });
  }
});
