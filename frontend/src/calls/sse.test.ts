import { describe, expect, it } from 'vitest';
import { backoffDelay, openStream, SseParser, type ConnectionState, type SseMessage } from './sse';
import { toLiveEvent } from './useLiveCalls';

describe('SseParser', () => {
  it('parses events split across chunks, with ids, comments and multi-line data', () => {
    const p = new SseParser();
    expect(p.feed('retry: 2000\nevent: snap')).toEqual([]);
    expect(p.feed('shot\nid: 4\ndata: {"a":\ndata: 1}\n')).toEqual([]);
    const out = p.feed('\n: keep-alive\n\nevent: call\r\nid: 5\r\ndata: {}\r\n\r\n');
    expect(out).toEqual([
      { event: 'snapshot', data: '{"a":\n1}', id: '4' },
      { event: 'call', data: '{}', id: '5' },
    ]);
    expect(p.lastId).toBe('5');
  });

  it('waits for the rest of a CRLF split between chunks', () => {
    const p = new SseParser();
    expect(p.feed('data: x\r')).toEqual([]);
    expect(p.feed('\n\r\n')).toEqual([{ event: 'message', data: 'x', id: null }]);
  });

  it('turns stream messages into reducer events, and drops others', () => {
    expect(toLiveEvent({ event: 'call_end', data: '{"id":"c"}', id: '7' })).toEqual({ kind: 'call_end', id: 7, data: { id: 'c' } });
    expect(toLiveEvent({ event: 'message', data: '{}', id: null })).toBeNull();
    expect(toLiveEvent({ event: 'call', data: 'not json', id: '1' })).toBeNull();
  });
});

describe('backoff', () => {
  it('doubles from 1 s to at most 30 s, with bounded jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 1)).toBe(1200);
  });
});

/** A response whose body yields the text in two chunks, then ends (as the server closes the stream). */
function streamOf(text: string): Response {
  const chunks = [text.slice(0, 7), text.slice(7)].map((c) => new TextEncoder().encode(c));
  const reader = { read: async () => (chunks.length ? { done: false, value: chunks.shift() } : { done: true, value: undefined }) };
  return { ok: true, status: 200, body: { getReader: () => reader } } as unknown as Response;
}

describe('openStream', () => {
  it('sends the bearer token, reports live, and reconnects when the server closes the stream', async () => {
    const calls: RequestInit[] = [];
    const messages: SseMessage[] = [];
    const states: ConnectionState[] = [];
    let n = 0;
    const fetchImpl = async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls.push(init ?? {});
      n += 1;
      return streamOf(`event: snapshot\nid: ${n}\ndata: {"active":[],"presence":[]}\n\n`);
    };
    let clock = 0;
    const stop = openStream({
      now: () => (clock += 20_000), // every stream lasts 20 s
      url: '/api/tenants/t/events',
      token: () => 'tok',
      onMessage: (m) => messages.push(m),
      onState: (s) => states.push(s),
      fetchImpl: fetchImpl as typeof fetch,
    });
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(n).toBeGreaterThanOrEqual(2); // closed by the server, opened again at once
    expect((calls[0].headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(messages[0]).toEqual({ event: 'snapshot', data: '{"active":[],"presence":[]}', id: '1' });
    expect(states.slice(0, 2)).toEqual(['connecting', 'live']);
  });

  it('a stream that ends at once is retried with backoff, not in a loop', async () => {
    let n = 0;
    const states: ConnectionState[] = [];
    const fetchImpl = async () => {
      n += 1;
      return streamOf('event: snapshot\nid: 1\ndata: {}\n\n');
    };
    const stop = openStream({ now: () => 0, url: '/x', token: () => null, onMessage: () => {}, onState: (s) => states.push(s), fetchImpl: fetchImpl as typeof fetch });
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(n).toBe(1);
    expect(states).toEqual(['connecting', 'live', 'reconnecting']);
  });

  it('backs off after a failure and stops for good on 401/403', async () => {
    const states: [ConnectionState, number | undefined][] = [];
    let n = 0;
    const failing = async () => {
      n += 1;
      throw new TypeError('network down');
    };
    const stop = openStream({ url: '/x', token: () => null, onMessage: () => {}, onState: (s, ms) => states.push([s, ms]), fetchImpl: failing as typeof fetch });
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(n).toBe(1); // the retry waits ~1 s
    expect(states[states.length - 1][0]).toBe('reconnecting');
    expect(states[states.length - 1][1]).toBeGreaterThanOrEqual(800);

    const seen: ConnectionState[] = [];
    let m = 0;
    const refused = async () => {
      m += 1;
      return new Response('{}', { status: 403 });
    };
    const stop2 = openStream({ url: '/x', token: () => 't', onMessage: () => {}, onState: (s) => seen.push(s), fetchImpl: refused as typeof fetch });
    await new Promise((r) => setTimeout(r, 30));
    stop2();
    expect(m).toBe(1);
    expect(seen).toEqual(['connecting', 'unauthorized']);
  });
});
