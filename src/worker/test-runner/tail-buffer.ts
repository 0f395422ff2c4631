/** Keeps the last `limitBytes` of a stream of chunks and counts what it dropped. */
export class TailBuffer {
  readonly #limitBytes: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #cutBytes = 0;

  constructor(limitBytes: number) {
    if (!Number.isInteger(limitBytes) || limitBytes <= 0) throw new RangeError('limitBytes must be a positive integer');
    this.#limitBytes = limitBytes;
  }

  get cutBytes(): number {
    return this.#cutBytes;
  }

  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    while (this.#size > this.#limitBytes) {
      const first = this.#chunks[0]!;
      const excess = this.#size - this.#limitBytes;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
        this.#cutBytes += first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
        this.#cutBytes += excess;
      }
    }
  }

  /**
   * The kept text, at most `maxChars` characters of it (the end), headed by
   * `[… N bytes cut …]` when anything was dropped.
   */
  text(maxChars = Number.POSITIVE_INFINITY): string {
    let body = Buffer.concat(this.#chunks);
    let cut = this.#cutBytes;
    // Skip UTF-8 continuation bytes a cut may have left at the head.
    let start = 0;
    while (cut > 0 && start < body.length && (body[start]! & 0xc0) === 0x80) start += 1;
    cut += start;
    body = body.subarray(start);
    let text = body.toString('utf8');
    if (text.length > maxChars) {
      const dropped = text.slice(0, text.length - maxChars);
      cut += Buffer.byteLength(dropped, 'utf8');
      text = text.slice(text.length - maxChars);
    }
    return cut > 0 ? `[… ${cut} bytes cut …]\n${text}` : text;
  }
}
