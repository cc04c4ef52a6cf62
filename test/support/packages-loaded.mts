// Starts the exporter on the demo data with the flags given and prints, as JSON, the packages it
// imported: the bare specifiers its modules resolved, without node: built-ins. Run in a process of
// its own (`node --import tsx`), so that nothing the test runner loaded counts.
import { registerHooks } from 'node:module';

const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    if (!/^(\.|\/|node:|file:)/.test(specifier)) seen.add(specifier.replace(/^((@[^/]+\/)?[^/]+).*$/, '$1'));
    return next(specifier, context);
  },
});
const { parseCli } = await import('../../src/config/config.ts');
const { startExporter } = await import('../../src/exporter.ts');
const { default: pino } = await import('pino');
const request = parseCli(
  ['--demo=worker-a', '--web.listen-address=127.0.0.1:0', ...process.argv.slice(2)],
  {},
);
if (request.kind !== 'run') throw new Error('expected a run configuration');
const exporter = await startExporter(request.config, pino({ level: 'silent' }));
await exporter.stop();
console.log(JSON.stringify([...seen].sort()));
