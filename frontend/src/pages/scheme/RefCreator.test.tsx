import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../../i18n';
import { admin, scriptedClient } from '../../manage/testing';
import { NodeInspector } from './Inspector';
import { creatableSpec, RefCreator } from './RefCreator';

afterEach(cleanup);

describe('creating a referenced object from the inspector', () => {
  it('creates the schedule through the API and selects it in the node, touching nothing else', async () => {
    const created = { id: 'AAAAAAAA-0000-4000-8000-000000000001', name: 'Office hours', version: 1, periods: [], exceptions: [] };
    const { client, calls } = scriptedClient(admin, [['POST /api/tenants/t1/schedules', () => new Response(JSON.stringify(created), { status: 201, headers: { 'Content-Type': 'application/json' } })]]);
    const onApply = vi.fn();
    const reloaded = vi.fn();
    render(
      <I18nProvider initial="en">
        <NodeInspector
          node={{ id: 't1n', type: 'time_condition', params: { schedule_id: null, other: 5 }, position: { x: 0, y: 0 } } as never}
          catalogue={{}}
          components={{ schedules: [] }}
          findings={[]}
          edges={[]}
          ports={['open', 'closed']}
          targets={() => []}
          readOnly={false}
          onApply={onApply}
          onRoute={() => {}}
          onDelete={() => {}}
          canCreateRef={(kind) => creatableSpec(kind) !== null}
          newRef={(kind, done, cancel) => (
            <RefCreator client={client} user={admin} tenantId="t1" kind={kind} onCreated={(id) => (reloaded(), done(id))} onCancel={cancel} />
          )}
        />
      </I18nProvider>,
    );
    fireEvent.click(screen.getByTestId('new-schedule_id'));
    expect(screen.getByTestId('ref-create-schedules')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^name/i), { target: { value: 'Office hours' } });
    fireEvent.click(screen.getByRole('button', { name: /create/i }));
    await waitFor(() => expect(onApply).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ name: 'Office hours' });
    expect(onApply).toHaveBeenCalledWith({ schedule_id: created.id, other: 5 });
    expect(reloaded).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('ref-create-schedules')).toBeNull();
  });

  it('offers "New…" only for kinds that have a create form', () => {
    expect(creatableSpec('schedules')).not.toBeNull();
    expect(creatableSpec('ivr-menus')).not.toBeNull();
    expect(creatableSpec('numbers' as never)).toBeNull();
  });
});
