// A server-sent events client over fetch (EventSource cannot send the bearer token):
// an incremental parser of the text/event-stream format, and a connection that
// reconnects with exponential backoff and reports its state.

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/** Incremental text/event-stream parser: feed it chunks, get the complete messages. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;
  lastId: string | null = null;

  feed(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const width = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone "\r" at the end of a chunk may be half of "\r\n": wait for more.
      if (width === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + width);
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        if (this.id !== null) this.lastId = this.id;
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

/** Delay before reconnect attempt `n` (0-based): 1 s doubling up to 30 s, with ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface StreamOptions {
  url: string;
  token: () => string | null;
  onMessage: (message: SseMessage) => void;
  onState: (state: ConnectionState, retryInMs?: number) => void;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/** A stream that lasted this long ended normally (the server's time limit): reconnect at once. */
export const HEALTHY_STREAM_MS = 10_000;

/** Open the stream and keep it open until the returned function is called. */
export function openStream({
  url,
  token,
  onMessage,
  onState,
  fetchImpl = (i, o) => globalThis.fetch(i, o),
  now = () => Date.now(),
}: StreamOptions): () => void {
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let controller: AbortController | null = null;

  const retry = () => {
    if (stopped) return;
    const delay = backoffDelay(attempt++);
    onState('reconnecting', delay);
    timer = setTimeout(run, delay);
  };

  const run = async () => {
    if (stopped) return;
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    controller = new AbortController();
    const bearer = token();
    try {
      const response = await fetchImpl(url, {
        headers: { Accept: 'text/event-stream', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
        signal: controller.signal,
      });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        onState('unauthorized');
        return; // not something a retry fixes
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      let first = true;
      const openedAt = now();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const message of parser.feed(decoder.decode(value, { stream: true }))) {
          if (first) {
            first = false;
            onState('live');
          }
          onMessage(message);
        }
      }
      // The server closes the stream after a while: reconnect at once (a new snapshot
      // follows). A stream that ends early is a failure: back off, never spin.
      if (stopped) return;
      if (!first && now() - openedAt >= HEALTHY_STREAM_MS) {
        attempt = 0;
        timer = setTimeout(run, 0);
      } else retry();
    } catch {
      if (!stopped) retry();
    }
  };

  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}
