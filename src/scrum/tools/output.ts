/** The marker a model sees where output was cut. */
export function cutMarker(characters: number): string {
  return `[… ${characters} characters cut …]`;
}

/** The head and tail of `text` within `limit` characters, with a marker saying how much was cut. */
export function truncateMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = Math.ceil(limit / 2);
  const tail = limit - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n${cutMarker(cut)}\n${tail > 0 ? text.slice(-tail) : ''}`;
}

/**
 * Collects a stream's text keeping only its head and tail, so a command printing gigabytes until
 * its timeout holds at most about 2 × limit characters in memory.
 */
export class OutputCollector {
  private head = '';
  private tail = '';
  private total = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;

  constructor(limit: number) {
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  push(chunk: string): void {
    this.total += chunk.length;
    const room = this.headLimit - this.head.length;
    if (room > 0) {
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk.length === 0) return;
    this.tail += chunk;
    if (this.tail.length > 2 * this.tailLimit + 4096) this.tail = this.tail.slice(-this.tailLimit);
  }

  text(): string {
    const tail = this.tailLimit > 0 ? this.tail.slice(-this.tailLimit) : '';
    const cut = this.total - this.head.length - tail.length;
    return cut > 0 ? `${this.head}\n${cutMarker(cut)}\n${tail}` : this.head + tail;
  }
}
