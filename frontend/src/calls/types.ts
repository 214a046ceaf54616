// The calls API's shapes (docs/calls.md): history rows, one call with its protocol,
// active call summaries, presence.

export type Direction = 'in' | 'out' | 'internal';
export const DIRECTIONS: Direction[] = ['in', 'out', 'internal'];
export type CallResult = 'answered' | 'no answer' | 'busy' | 'no route' | 'failed' | 'forwarded' | 'voicemail';
export const RESULTS: CallResult[] = ['answered', 'no answer', 'busy', 'no route', 'failed', 'forwarded', 'voicemail'];

export interface AnsweredBy {
  number: string | null;
  name: string | null;
  device: string | null;
  extension_id: string | null;
}

export interface HistoryCall {
  id: string;
  direction: Direction;
  result: CallResult;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  duration: number;
  billable_seconds: number;
  caller: string | null;
  caller_name: string | null;
  called: string | null;
  did: string | null;
  answered_by: AnsweredBy | null;
  scheme: string | null;
  recording?: { url: string; expired: boolean } | null;
}

export interface ProtocolStep {
  step: string;
  at: string | null;
  offset: number | null;
  text: string;
  scheme?: string | null;
  revision?: number | null;
  node?: string | null;
  [key: string]: unknown;
}

export interface CallDetail extends Partial<HistoryCall> {
  id: string;
  active: boolean;
  protocol: ProtocolStep[];
  state?: string;
}

export interface ActiveChannel {
  name: string;
  device: string | null;
  state: string;
}

export interface ActiveCall {
  id: string;
  node: string;
  direction: Direction;
  state: string;
  caller: string | null;
  caller_name: string | null;
  called: string | null;
  did: string | null;
  started_at: string | null;
  answered_at: string | null;
  answered_by: string | null;
  scheme: string | null;
  scheme_node: string | null;
  queue: string | null;
  channels: ActiveChannel[];
}

export interface PresenceDevice {
  id: string | null;
  type: string | null;
  device: string | null;
  state: string;
  since: string | null;
}

export interface PresenceExtension {
  extension_id: string;
  number: string | null;
  name: string | null;
  state: string;
  devices: PresenceDevice[];
}
