// The routing-scheme endpoints of one tenant (backend api/schemes.py and the generic
// /api/tenants/{tenant}/schemes collection). Writes carry If-Match: <version>.
import type { ApiClient, Page } from '../api';
import type {
  CatalogueEntry,
  Command,
  Graph,
  Revision,
  Scheme,
  SchemeDiff,
  SimulationRequest,
  SimulationResult,
  Validation,
} from './types';

/** Component collections the inspector offers in its selects. */
export const COMPONENT_KINDS = [
  'extensions',
  'groups',
  'schedules',
  'voice-messages',
  'ivr-menus',
  'voicemail-boxes',
  'classifiers',
  'numbers',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export type ComponentItem = { id: string; name?: string; number?: string; [key: string]: unknown };
export type Components = Partial<Record<ComponentKind, ComponentItem[]>>;

const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

export class SchemeApi {
  constructor(
    private readonly client: ApiClient,
    readonly tenantId: string,
  ) {}

  private get base(): string {
    return `/api/tenants/${encodeURIComponent(this.tenantId)}/schemes`;
  }

  private item(id: string): string {
    return `${this.base}/${encodeURIComponent(id)}`;
  }

  list(): Promise<Page<Scheme>> {
    return this.client.request('GET', `${this.base}?limit=500&order=name`);
  }

  get(id: string): Promise<Scheme> {
    return this.client.request('GET', this.item(id));
  }

  create(name: string, description = ''): Promise<Scheme> {
    return this.client.request('POST', this.base, { name, description });
  }

  remove(id: string, version: number): Promise<void> {
    return this.client.request('DELETE', this.item(id), undefined, ifMatch(version));
  }

  /** One editing command (or, for replace_draft, the whole draft); answers the scheme. */
  send(id: string, version: number, cmd: Command): Promise<Scheme> {
    if (cmd.op === 'replace_draft') return this.client.request('PUT', `${this.item(id)}/draft`, cmd.graph, ifMatch(version));
    return this.client.request('POST', `${this.item(id)}/commands`, commandBody(cmd), ifMatch(version));
  }

  validation(id: string): Promise<Validation> {
    return this.client.request('GET', `${this.item(id)}/validation`);
  }

  publish(id: string, version: number, comment: string): Promise<Revision> {
    return this.client.request('POST', `${this.item(id)}/publish`, { comment }, ifMatch(version));
  }

  revisions(id: string): Promise<Page<Revision>> {
    return this.client.request('GET', `${this.item(id)}/revisions?limit=100`);
  }

  revision(id: string, number: number): Promise<Revision> {
    return this.client.request('GET', `${this.item(id)}/revisions/${number}`);
  }

  diff(id: string, from: number | 'published' | 'draft', to: number | 'published' | 'draft' = 'draft'): Promise<SchemeDiff> {
    return this.client.request('GET', `${this.item(id)}/diff?from=${from}&to=${to}`);
  }

  revert(id: string, version: number, revision: number, comment: string): Promise<Revision> {
    return this.client.request('POST', `${this.item(id)}/revert`, { revision, comment }, ifMatch(version));
  }

  simulate(id: string, request: SimulationRequest): Promise<SimulationResult> {
    return this.client.request('POST', `${this.item(id)}/simulate`, request);
  }

  async catalogue(): Promise<CatalogueEntry[]> {
    const body = await this.client.request<CatalogueEntry[] | Page<CatalogueEntry>>('GET', '/api/scheme-catalogue');
    return Array.isArray(body) ? body : body.items;
  }

  /** The tenant's components for the inspector; a list the user may not read is just empty. */
  async components(): Promise<Components> {
    const out: Components = {};
    const order: Record<ComponentKind, string> = {
      extensions: 'number',
      groups: 'number',
      schedules: 'name',
      'voice-messages': 'name',
      'ivr-menus': 'name',
      'voicemail-boxes': 'mailbox',
      classifiers: 'name',
      numbers: 'number',
    };
    await Promise.all(
      COMPONENT_KINDS.map(async (kind) => {
        try {
          const page = await this.client.request<Page<ComponentItem>>(
            'GET',
            `/api/tenants/${encodeURIComponent(this.tenantId)}/${kind}?limit=500&order=${order[kind]}`,
          );
          out[kind] = page.items;
        } catch {
          out[kind] = [];
        }
      }),
    );
    return out;
  }
}

/** The request body of a server command (the client-side fields as the API names them). */
export function commandBody(cmd: Exclude<Command, { op: 'replace_draft' }>): Record<string, unknown> {
  switch (cmd.op) {
    case 'add_node':
      return { op: 'add_node', node: { id: cmd.node.id, type: cmd.node.type, params: cmd.node.params, position: cmd.node.position } };
    default:
      return { ...cmd };
  }
}

export type { Graph };
