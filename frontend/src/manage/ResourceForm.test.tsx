import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider, translate } from '../i18n';
import { ResourceForm } from './ResourceForm';
import { extensions, ivrMenus, schedules } from './specs';
import { admin, json, scriptedClient } from './testing';
import type { Item, ResourceSpec } from './types';

const saved: Item = {
  id: 'e1',
  version: 3,
  number: '201',
  name: 'Sales',
  owner_user_id: null,
  ring_strategy: 'parallel',
  voicemail: false,
  outbound_caller_id: null,
  devices: [
    { id: 'd1', type: 'sip', username: 'acme-201-k2j4', password: 'S3cretPassw0rd22', ring_time: 20, forward: { mode: 'none', target: null }, enabled: true, allowed_networks: [], nat: true },
  ],
};

function setup(spec: ResourceSpec, itemId: string | null, routes: Parameters<typeof scriptedClient>[1]) {
  const api = scriptedClient(admin, [['GET /api/tenants/t1/users', { total: 0, items: [] }], ...(routes ?? [])]);
  const onCreated = vi.fn();
  const onDeleted = vi.fn();
  render(
    <I18nProvider initial="en">
      <ResourceForm
        spec={spec}
        client={api.client}
        base={{ user: admin, tenantId: 't1', t: (k, p) => translate('en', k, p) }}
        itemId={itemId}
        listHref="#/tenants/t1/extensions"
        onCreated={onCreated}
        onDeleted={onDeleted}
      />
    </I18nProvider>,
  );
  return { ...api, onCreated, onDeleted };
}

function describedText(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

describe('ResourceForm', () => {
  afterEach(cleanup);

  it('creates with the fields’ values and shows the server’s messages at their fields', async () => {
    const { calls, onCreated } = setup(extensions, null, [
      [
        'POST /api/tenants/t1/extensions',
        json(
          {
            status: 422,
            title: 'Invalid input',
            detail: 'number: must not start with 0 or 1',
            fields: ['number'],
            errors: [{ field: 'number', message: 'number: must not start with 0 or 1 (reserved for outside lines and services)' }],
          },
          422,
        ),
      ],
    ]);
    fireEvent.change(screen.getByLabelText('Number'), { target: { value: '099' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Reception' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create' })));

    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({
      number: '099',
      name: 'Reception',
      owner_user_id: null,
      ring_strategy: 'parallel',
      outbound_caller_id: null,
      voicemail: false,
      devices: [{ type: 'sip', ring_time: 20, forward: { mode: 'none', target: null }, enabled: true, allowed_networks: [], nat: true, password: null }],
    });
    const number = screen.getByLabelText('Number');
    expect(number.getAttribute('aria-invalid')).toBe('true');
    expect(describedText(number)).toContain('must not start with 0 or 1 (reserved for outside lines and services)');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('form-problem').textContent).toContain('Please correct the marked fields.');
    expect(document.activeElement).toBe(number);
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('places a device’s error at that device, and calls back with the created object', async () => {
    const { onCreated } = setup(extensions, null, [
      [
        'POST /api/tenants/t1/extensions',
        json({ status: 422, title: 'Invalid input', detail: 'x', fields: ['devices[1].number'], errors: [{ field: 'devices[1].number', message: 'devices[1].number: required for an external device' }] }, 422),
      ],
      ['POST /api/tenants/t1/extensions', json(saved, 201)],
    ]);
    fireEvent.click(screen.getByRole('button', { name: '+ external number' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create' })));
    const device = screen.getByTestId('device-1');
    const external = within(device).getByLabelText('External number');
    expect(external.getAttribute('aria-invalid')).toBe('true');
    expect(device.textContent).toContain('required for an external device');
    expect(screen.getByTestId('device-0').textContent).not.toContain('required');

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create' })));
    expect(onCreated).toHaveBeenCalledWith(saved);
  });

  it('edits with If-Match, sending only what changed, and shows the SIP credentials', async () => {
    const { calls } = setup(extensions, 'e1', [
      ['GET /api/tenants/t1/extensions/e1', saved],
      ['PATCH /api/tenants/t1/extensions/e1', { ...saved, version: 4, name: 'Sales desk' }],
    ]);
    expect(((await screen.findByLabelText('Name')) as HTMLInputElement).value).toBe('Sales');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('201 Sales');
    const credentials = screen.getByTestId('sip-credentials');
    expect(within(credentials).getByTestId('credential-username').textContent).toBe('acme-201-k2j4');
    fireEvent.click(within(credentials).getByRole('button', { name: 'Show password' }));
    expect(within(credentials).getByTestId('credential-password').textContent).toBe('S3cretPassw0rd22');

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    expect(screen.getByTestId('form-notice').textContent).toBe('Nothing to save: no changes.');
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Sales desk' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ ifMatch: '"3"', body: { name: 'Sales desk' } });
    expect(screen.getByTestId('form-notice').textContent).toBe('Saved (version 4).');
    expect(screen.getByTestId('item-version').textContent).toBe('version 4');
  });

  it('refuses a stale save with a banner; Reload shows the current version', async () => {
    const { calls } = setup(extensions, 'e1', [
      ['GET /api/tenants/t1/extensions/e1', saved],
      ['GET /api/tenants/t1/extensions/e1', { ...saved, version: 5, name: 'Changed elsewhere' }],
      ['PATCH /api/tenants/t1/extensions/e1', json({ status: 409, title: 'Version conflict', detail: 'expected version 3 but the object is at version 5; reload and retry', current_version: 5 }, 409)],
    ]);
    await screen.findByLabelText('Name');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Mine' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    const banner = screen.getByTestId('conflict');
    expect(banner.textContent).toContain('Someone else changed this in the meantime.');
    expect(banner.textContent).toContain('It is now at version 5');
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);

    await act(async () => fireEvent.click(within(banner).getByRole('button', { name: 'Reload' })));
    expect(await screen.findByDisplayValue('Changed elsewhere')).toBeTruthy();
    expect(screen.queryByTestId('conflict')).toBeNull();
    expect(calls.filter((c) => c.method === 'GET' && c.url === '/api/tenants/t1/extensions/e1')).toHaveLength(2);
  });

  it('deletes after a confirmation', async () => {
    const { calls, onDeleted } = setup(extensions, 'e1', [
      ['GET /api/tenants/t1/extensions/e1', saved],
      ['DELETE /api/tenants/t1/extensions/e1', json(undefined, 204)],
    ]);
    await screen.findByLabelText('Name');
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(screen.getByRole('alertdialog').textContent).toContain('Delete 201 Sales?');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete for good' })));
    expect(calls.find((c) => c.method === 'DELETE')).toMatchObject({ ifMatch: '"3"' });
    expect(onDeleted).toHaveBeenCalledWith(saved);
  });

  it('edits IVR keys and places a key’s error at its row', async () => {
    const menus = { total: 1, items: [{ id: 'm2', version: 1, name: 'Sales menu' }] };
    const messages = { total: 1, items: [{ id: 'v1', version: 1, name: 'Welcome' }] };
    const { calls } = setup(ivrMenus, null, [
      ['GET /api/tenants/t1/ivr-menus', menus],
      ['GET /api/tenants/t1/voice-messages', messages],
      ['GET /api/tenants/t1/voicemail-boxes', { total: 0, items: [] }],
      ['GET /api/tenants/t1/extensions', { total: 0, items: [] }],
      ['GET /api/tenants/t1/groups', { total: 0, items: [] }],
      [
        'POST /api/tenants/t1/ivr-menus',
        json({ status: 422, title: 'Invalid input', detail: 'x', fields: ['keys[1].target'], errors: [{ field: 'keys[1].target', message: 'keys[1].target: must have 3 to 5 digits' }] }, 422),
      ],
    ]);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Main' } });
    await screen.findAllByRole('option', { name: 'Welcome' });
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'v1' } });
    const keys = screen.getByTestId('ivr-keys');
    fireEvent.click(within(keys).getByRole('button', { name: '+ key' }));
    fireEvent.click(within(keys).getByRole('button', { name: '+ key' }));
    fireEvent.click(within(keys).getByRole('button', { name: '+ key' }));
    fireEvent.change(screen.getByLabelText('Action of row 2'), { target: { value: 'extension' } });
    fireEvent.change(screen.getByLabelText('Target of row 2'), { target: { value: '12' } });
    fireEvent.change(screen.getByLabelText('Action of row 3'), { target: { value: 'ivr_menu' } });
    fireEvent.change(screen.getByLabelText('Target of row 3'), { target: { value: 'm2' } });
    fireEvent.change(screen.getByLabelText('Key of row 3'), { target: { value: '#' } });
    fireEvent.change(screen.getByLabelText('After invalid keys: action'), { target: { value: 'hangup' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create' })));

    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      name: 'Main',
      prompt_voice_message_id: 'v1',
      keys: [
        { key: '1', action: 'exit', target: null },
        { key: '2', action: 'extension', target: '12' },
        { key: '#', action: 'ivr_menu', target: 'm2' },
      ],
      default_exit: { action: 'hangup', target: null },
      timeout_exit: { action: 'exit', target: null },
    });
    expect(screen.getByTestId('ivr-key-1').textContent).toContain('must have 3 to 5 digits');
    expect(screen.getByLabelText('Target of row 2').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('ivr-key-0').textContent).not.toContain('digits');
  });

  it('imports a production calendar into a saved schedule: If-Match, per-row errors, then the new exceptions', async () => {
    const schedule: Item = { id: 's1', version: 2, name: 'Office', description: '', periods: [{ days: ['mon'], start: '09:00', end: '18:00' }], exceptions: [] };
    const { calls } = setup(schedules, 's1', [
      ['GET /api/tenants/t1/schedules/s1', schedule],
      [
        'POST /api/tenants/t1/schedules/s1/calendar',
        json({ status: 422, title: 'Invalid input', detail: 'x', fields: ['rows[1].type'], errors: [{ field: 'rows[1].type', message: 'rows[1].type: line 2: must be holiday, workday or short' }] }, 422),
      ],
      [
        'POST /api/tenants/t1/schedules/s1/calendar',
        () => new Response(JSON.stringify({ ...schedule, version: 3, exceptions: [{ date: '2030-01-01', open: false, note: 'New Year' }] }), { status: 200, headers: { 'Content-Type': 'application/json', 'X-Imported-Rows': '1' } }),
      ],
    ]);
    const panel = await screen.findByTestId('calendar-import');
    const input = panel.querySelector('input[type=file]')!;
    const file = new File(['2030-01-01,holiday,New Year\n2030-01-02,party\n'], 'calendar.csv', { type: '' });
    fireEvent.change(input, { target: { files: [file] } });
    await act(async () => fireEvent.click(within(panel).getByRole('button', { name: 'Import' })));
    expect(within(panel).getByRole('alert').textContent).toContain('Nothing was imported: 1 rows were refused.');
    expect(within(panel).getByTestId('import-errors').textContent).toContain('rows[1].type: line 2: must be holiday, workday or short');
    const post = calls.find((c) => c.method === 'POST')!;
    expect([post.url, post.ifMatch]).toEqual(['/api/tenants/t1/schedules/s1/calendar', '"2"']);

    fireEvent.change(input, { target: { files: [file] } });
    await act(async () => fireEvent.click(within(panel).getByRole('button', { name: 'Import' })));
    expect(within(panel).getByRole('status').textContent).toBe('Imported 1 rows.');
    expect(screen.getByTestId('item-version').textContent).toBe('version 3');
    expect((screen.getByLabelText('Date of exception 1') as HTMLInputElement).value).toBe('2030-01-01');
    expect((screen.getByLabelText('Note of exception 1') as HTMLInputElement).value).toBe('New Year');
  });
});
