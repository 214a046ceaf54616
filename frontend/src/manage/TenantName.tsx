// A tenant's name from the shared tenant list (the operator's pool list shows the owner).
import type { Ctx } from './types';

export function TenantName({ id, ctx }: { id: string; ctx: Ctx }) {
  const tenant = ctx.refs.tenants?.find((t) => t.id === id);
  return <span title={id}>{tenant && typeof tenant.name === 'string' ? tenant.name : id.slice(0, 8)}</span>;
}
