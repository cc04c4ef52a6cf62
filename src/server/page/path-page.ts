import type { PathGraph } from '../../path/graph.ts';
import { PACKAGE_VERSION } from '../../util/package-info.ts';
import { esc, renderPathSvg } from './path-svg.ts';

/**
 * The page at `/`: the node's path diagram, inline, with everything it needs (no external assets).
 * A few lines of script fetch `path.svg` again every `refreshSeconds` and swap the diagram in place;
 * without script the meta refresh reloads the whole page instead.
 */
export function renderPathPage(
  graph: PathGraph | undefined,
  opts: { telemetryPath: string; refreshSeconds: number; banner?: string },
): string {
  const diagram = graph
    ? renderPathSvg(graph)
    : '<p class="waiting">No collection cycle has completed yet; this page refreshes by itself.</p>';
  const refresh = Math.max(1, Math.round(opts.refreshSeconds));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>meridio-path-exporter${graph ? ` — ${esc(graph.node)}` : ''}</title>
<noscript><meta http-equiv="refresh" content="${refresh}"></noscript>
<style>
body { font-family: system-ui, sans-serif; margin: 16px; color: #222; }
header { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
header a { color: #1a5fa8; }
#status { font-size: 12px; color: #777; }
#status.stale { color: #d32f2f; }
#diagram { overflow: auto; margin-top: 12px; }
/* The diagram scales down to the window (a node with many pods is wider than a laptop screen). */
#diagram svg { max-width: 100%; height: auto; }
.banner { background: #fff3cd; border: 1px solid #e0c36c; padding: 6px 10px; margin-top: 10px; font-size: 13px; }
.legend span { margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 22px; height: 3px; vertical-align: middle; margin-right: 4px; }
</style></head>
<body>
<header><h1>meridio-path-exporter ${esc(PACKAGE_VERSION)}</h1>
<a href="${esc(opts.telemetryPath)}">Metrics</a> <a href="api/v1/path">Path JSON</a> <a href="healthz">Health</a> <a href="readyz">Readiness</a>
<span id="status">refreshing every ${refresh} s</span></header>
${opts.banner ? `<p class="banner" role="note">${esc(opts.banner)}</p>\n` : ''}<div class="legend"><span><i style="background:#2e7d32"></i>up</span><span><i style="background:#d32f2f"></i>down or missing</span><span><i style="background:#9e9e9e"></i>could not be read</span><span>dashed: drops grew since the last cycle</span></div>
<div id="diagram">${diagram}</div>
<script>
(() => {
  const status = document.getElementById('status');
  const diagram = document.getElementById('diagram');
  const refresh = async () => {
    try {
      const res = await fetch('path.svg', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      diagram.innerHTML = await res.text();
      status.textContent = 'updated ' + new Date().toLocaleTimeString() + ', refreshing every ${refresh} s';
      status.className = '';
    } catch (err) {
      status.textContent = 'cannot refresh (' + err.message + '); showing the last diagram';
      status.className = 'stale';
    }
  };
  setInterval(refresh, ${refresh * 1000});
})();
</script>
</body></html>
`;
}
