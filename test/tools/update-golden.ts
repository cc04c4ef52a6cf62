// Rewrites the golden exposition files from the demo recordings. Review the diff before committing.
import { writeFileSync } from 'node:fs';
import { GOLDEN, renderDemoData } from '../support/render-demo.ts';

for (const node of ['worker-a', 'worker-b'] as const) {
  writeFileSync(GOLDEN(node), await renderDemoData(node));
  console.log(`wrote ${GOLDEN(node).pathname}`);
}
