// The calls routes of one tenant (docs/calls.md).
import type { ApiClient, Page } from '../api';
import type { CallDetail, HistoryCall } from './types';

export class CallsApi {
  constructor(
    private readonly client: ApiClient,
    private readonly tenantId: string,
  ) {}

  private base(): string {
    return `/api/tenants/${encodeURIComponent(this.tenantId)}`;
  }

  history(query: string): Promise<Page<HistoryCall>> {
    return this.client.request('GET', `${this.base()}/calls?${query}`);
  }

  call(callId: string): Promise<CallDetail> {
    return this.client.request('GET', `${this.base()}/calls/${encodeURIComponent(callId)}`);
  }

  schemes(): Promise<Page<{ id: string; name: string; published_revision?: number | null }>> {
    return this.client.request('GET', `${this.base()}/schemes?limit=500`);
  }

  hangup(callId: string): Promise<{ call_id: string; hung_up: string[] }> {
    return this.client.request('POST', `${this.base()}/active-calls/${encodeURIComponent(callId)}/hangup`);
  }

  listen(callId: string, extensionId: string): Promise<unknown> {
    return this.client.request('POST', `${this.base()}/active-calls/${encodeURIComponent(callId)}/spy`, {
      mode: 'listen',
      extension_id: extensionId,
    });
  }
}

/** Who may hang up calls and listen in (the API's rule). */
export function mayControlCalls(role: string): boolean {
  return role === 'supervisor' || role === 'tenant_admin' || role === 'operator' || role === 'system';
}
