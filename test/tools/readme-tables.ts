import { readFileSync, writeFileSync } from 'node:fs';
// The README's metric and configuration tables, generated from the code. `npm run docs:tables` prints
// them; test/unit/readme.test.ts fails when the README differs.
import { SETTINGS } from '../../src/config/settings.ts';
import { ALL_METRICS } from '../../src/render/catalog.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function metricsTable(): string {
  const rows = ALL_METRICS.map(
    (m) =>
      `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.source === 'exporter' ? 'exporter' : `\`${m.source}\``} | ${cell(m.help)} |`,
  );
  return ['| metric | type | labels | source | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function settingsTable(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`--${s.flag}=${cell(s.value)}\` | \`${s.env}\` | ${s.default ? cell(s.default) : '—'} | ${cell(s.description)} |`,
  );
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

const put = (t: string, name: string, table: string) =>
  t.replace(new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`), `$1${table}$2`);

/** Where each generated table lives: the settings in the README, the metrics in docs/metrics.md. */
export const TABLE_FILES = { settings: 'README.md', metrics: 'docs/metrics.md' } as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('../../', import.meta.url);
  for (const [file, name, table] of [
    [TABLE_FILES.settings, 'settings-table', settingsTable()],
    [TABLE_FILES.metrics, 'metrics-table', metricsTable()],
  ] as const) {
    const url = new URL(file, root);
    writeFileSync(url, put(readFileSync(url, 'utf8'), name, table));
  }
  console.log('README and docs/metrics.md tables updated');
}
