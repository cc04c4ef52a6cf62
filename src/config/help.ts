import { SETTINGS } from './settings.ts';

export function helpText(): string {
  const rows = SETTINGS.map((s) => {
    const left = `  --${s.flag}=${s.value}`;
    const def = s.default ? ` (default ${s.default})` : '';
    return `${left.padEnd(44)} ${s.description}${def}\n${''.padEnd(45)}env ${s.env}`;
  });
  return [
    'Usage: meridio-path-exporter [flags]',
    '',
    'Per-node exporter of the Meridio / NSM traffic path. Without a source flag it serves the built-in',
    'demo (worker-a). Every flag can also be set by its environment variable; flags win.',
    '',
    ...rows,
    '  --help                                      Show this help.',
    '  --version                                   Print the version.',
    '',
  ].join('\n');
}
