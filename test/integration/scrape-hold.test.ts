import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { ExpositionCache } from '../../src/exposition/exposition-cache.ts';
import { serveExposition } from '../../src/server/scrape-handler.ts';

// In worker mode a response writes straight from a shared slot and holds it until 'close'. A hold that
// is never released keeps the slot from being reused for good; these are the ways a response can end
// without a 'close' after its hold.

/** A cache whose exposition counts the holds still open. */
function countingCache(size: number) {
  let open = 0;
  const cache = new ExpositionCache();
  const text = Buffer.alloc(size, 'a');
  cache.put({
    text,
    gzip: Buffer.from('gz'),
    renderedAt: Date.now(),
    hold: () => {
      open += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open -= 1;
      };
    },
  });
  return { cache, open: () => open };
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const connected = (port: number) =>
  new Promise<Socket>((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });

async function settle(open: () => number, want: number): Promise<number> {
  const end = Date.now() + 2000;
  while (open() !== want && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return open();
}

/** A client that sends `requests` for a 32 MB exposition and stops reading. */
async function stalledClient(requests: number) {
  const { cache, open } = countingCache(32 * 1024 * 1024);
  const port = await listen((req, res) => serveExposition(req, res, cache));
  const socket = await connected(port);
  socket.pause();
  socket.write('GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(requests));
  return { socket, open };
}

describe('holds of a shared exposition are released however the response ends', () => {
  it('a complete response releases its hold', async () => {
    const { cache, open } = countingCache(1000);
    const port = await listen((req, res) => serveExposition(req, res, cache));
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal((await res.text()).length, 1000);
    assert.equal(await settle(open, 0), 0);
  });

  it('a client that leaves in the middle of a large response releases it', async () => {
    const { socket: s, open } = await stalledClient(1);
    assert.equal(await settle(open, 1), 1, 'held while it writes');
    s.destroy();
    assert.equal(await settle(open, 0), 0);
  });

  it('a pipelined request queued behind a large response takes no hold, and nothing leaks when the client leaves', async () => {
    const { socket: s, open } = await stalledClient(2);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(open(), 1, 'only the response that has the socket holds');
    s.destroy();
    assert.equal(await settle(open, 0), 0);
  });

  it('a client that left while its request waited (authentication) leaves no hold behind', async () => {
    const { cache, open } = countingCache(1000);
    let served!: () => void;
    const done = new Promise<void>((r) => {
      served = r;
    });
    const port = await listen((req, res) => {
      setTimeout(() => {
        serveExposition(req, res, cache);
        served();
      }, 300);
    });
    const s = await connected(port);
    s.write('GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    await done;
    assert.equal(await settle(open, 0), 0);
  });
});
