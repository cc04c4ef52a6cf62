import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** zlib's default: at 1,000 interfaces 2.4 MB become 0.18 MB. */
export const GZIP_LEVEL = 6;

/** One rendered exposition: the bytes every scrape until the next cycle is served. */
export interface RenderedExposition {
  text: Buffer;
  gzip: Buffer;
  renderedAt: number;
}

/**
 * Holds the last rendered exposition. Scrapes only read it; cycles replace it whole, so a scrape never
 * sees half of one cycle and half of another, and never triggers collection.
 */
export class ExpositionCache {
  private current?: RenderedExposition;

  get(): RenderedExposition | undefined {
    return this.current;
  }

  async publish(text: string | Buffer, renderedAt = Date.now()): Promise<RenderedExposition> {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    // zlib runs on the thread pool, so compressing a large exposition does not block scrapes.
    const compressed = await gzipAsync(bytes, { level: GZIP_LEVEL });
    this.current = { text: bytes, gzip: compressed, renderedAt };
    return this.current;
  }
}
