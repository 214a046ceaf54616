import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../api';
import { I18nProvider } from '../../i18n';
import type { ReportView } from '../../router';
import { SessionStore } from '../../session';
import { ArchiveExport } from './ArchiveExport';
import ReportsPage from './ReportsPage';

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

type Route = [RegExp, (url: string, init?: RequestInit) => Response];

/** A fetch answering by URL; the tenant's groups and extensions are there for the pickers. */
function fakeFetch(routes: Route[]) {
  const all: Route[] = [
    ...routes,
    [/\/groups\?/, () => json({ total: 1, items: [{ id: 'g1', number: '101', name: 'Sales' }] })],
    [/\/extensions\?/, () => json({ total: 1, items: [{ id: 'e1', number: '201', name: 'Ann' }] })],
  ];
  return vi.fn<typeof globalThis.fetch>(async (input, init) => {
    const url = String(input);
    const hit = all.find(([re]) => re.test(url));
    return hit ? hit[1](url, init) : json({ title: 'Not Found', detail: `no route ${url}` }, 404);
  });
}

function client(fetch: typeof globalThis.fetch) {
  const store = new SessionStore(null);
  store.set({ token: 'tok', user: { id: 'u1', login: 'ann', role: 'tenant_admin', tenant_id: 't1' } });
  return new ApiClient({ session: store, fetch });
}

function show(fetch: typeof globalThis.fetch, view: ReportView) {
  render(
    <I18nProvider initial="en">
      <ReportsPage client={client(fetch)} tenantId="t1" view={view} />
    </I18nProvider>,
  );
}

const urls = (fetch: ReturnType<typeof fakeFetch>) => fetch.mock.calls.map(([u]) => String(u));

const dashboard = {
  per_hour: [
    { hour: '2026-11-25T09:00', calls: 3, answered: 2, missed: 1 },
    { hour: '2026-11-25T10:00', calls: 1, answered: 1, missed: 0 },
  ],
  per_day: [{ day: '2026-11-25', calls: 4, answered: 3, missed: 1 }],
  answered: 3,
  missed: 1,
  missed_not_called_back: [{ caller: '+74951112233', last_missed_at: '2026-11-25T09:10:00+03:00', attempts: 2 }],
  line_occupancy: [{ line: '+74950000000', start: '2026-11-25T09:00', max_lines: 2 }],
  busiest_users: [{ user: '201', name: 'Ann', calls: 3, talk_seconds: 125 }],
};

let saved: { href: string; download: string }[] = [];

beforeEach(() => {
  // jsdom has neither layout observers nor object URLs; the charts and downloads need them.
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
  saved = [];
  URL.createObjectURL = vi.fn(() => 'blob:report');
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.href, download: this.download });
  });
});

afterEach(cleanup);

describe('the dashboard', () => {
  it('loads the period, shows the figures, charts and tables, and exports a table as CSV', async () => {
    const fetch = fakeFetch([[/reports\/dashboard/, () => json(dashboard)]]);
    show(fetch, 'dashboard');
    const page = await screen.findByTestId('dashboard');
    expect(urls(fetch)).toContain('/api/tenants/t1/reports/dashboard?preset=7d');
    expect(screen.getByTestId('dash-answered').textContent).toBe('3');
    expect(screen.getByTestId('dash-missed').textContent).toBe('1');
    expect(within(page).getByText('75% answered')).toBeTruthy();
    const captions = screen.getAllByTestId('report-chart').map((f) => f.querySelector('figcaption')?.textContent);
    expect(captions).toEqual(['Calls per hour', 'Calls per day', 'Line occupancy (most lines at once)']);
    const busiest = screen.getByTestId('busiest-users');
    expect(within(busiest).getByText('Ann')).toBeTruthy();
    expect(within(busiest).getByText('2:05')).toBeTruthy();
    expect(within(screen.getByTestId('missed-not-called-back')).getByText('+74951112233')).toBeTruthy();

    fireEvent.click(within(busiest).getByRole('button', { name: 'Export CSV' }));
    expect(saved).toEqual([{ href: 'blob:report', download: 'busiest-users.csv' }]);
  });

  it('asks again for a custom period, and not while it is wrong', async () => {
    const fetch = fakeFetch([[/reports\/dashboard/, () => json(dashboard)]]);
    show(fetch, 'dashboard');
    await screen.findByTestId('dashboard');
    fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'custom' } });
    const from = screen.getByLabelText('From') as HTMLInputElement;
    const to = screen.getByLabelText('To') as HTMLInputElement;
    fireEvent.change(from, { target: { value: '2026-11-01' } });
    fireEvent.change(to, { target: { value: '2026-11-03' } });
    await waitFor(() => expect(urls(fetch)).toContain('/api/tenants/t1/reports/dashboard?preset=custom&from=2026-11-01&to=2026-11-03'));
    const before = fetch.mock.calls.length;
    fireEvent.change(to, { target: { value: '2026-10-01' } });
    expect(screen.getByRole('alert').textContent).toMatch(/first day must not be after the last/);
    expect(fetch.mock.calls.length).toBe(before);
  });

  it('shows the server’s problem', async () => {
    const fetch = fakeFetch([[/reports\/dashboard/, () => json({ title: 'Bad Request', detail: 'to: is before from', status: 400 }, 400)]]);
    show(fetch, 'dashboard');
    expect((await screen.findByRole('alert')).textContent).toMatch(/to: is before from/);
  });
});

describe('the call history', () => {
  const page = {
    items: [
      { id: 'c1', started_at: '2026-11-25T09:00:00+03:00', direction: 'in', result: 'no answer', line: '+74950000000', caller: '+74951112233', called: '200', user: { number: '201', name: 'Ann' }, duration: 20, talk_seconds: 0, billable_seconds: 0 },
    ],
    total: 1,
    totals: { calls: 1, answered: 0, missed: 1, talk_seconds: 0, billable_seconds: 0 },
  };

  it('searches with the filters, shows totals and exports the same search as XLSX', async () => {
    const fetch = fakeFetch([
      [/reports\/calls\?.*format=xlsx/, () => new Response(new Uint8Array([0x50, 0x4b, 3, 4]), { headers: { 'Content-Disposition': 'attachment; filename="calls-2026-11-19-2026-11-25.xlsx"' } })],
      [/reports\/calls/, () => json(page)],
    ]);
    show(fetch, 'calls');
    const list = await screen.findByTestId('call-list');
    expect(within(list).getByText('No answer')).toBeTruthy();
    expect(within(list).getByText('Incoming')).toBeTruthy();
    expect(within(list).getByText('Ann')).toBeTruthy();
    expect(within(screen.getByTestId('call-totals')).getByText('Missed')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Direction'), { target: { value: 'in' } });
    fireEvent.change(screen.getByLabelText('Result'), { target: { value: 'no answer' } });
    fireEvent.change(screen.getByLabelText('Text'), { target: { value: '7495' } });
    await waitFor(() => expect(within(screen.getByLabelText('User')).getByText('201 Ann')).toBeTruthy());
    fireEvent.change(screen.getByLabelText('User'), { target: { value: '201' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    const search = '/api/tenants/t1/reports/calls?preset=7d&direction=in&result=no+answer&user=201&q=7495&sort=-started_at';
    await waitFor(() => expect(urls(fetch)).toContain(`${search}&limit=50&offset=0`));

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export XLSX' }));
    });
    const [url, init] = fetch.mock.calls.find(([u]) => String(u).includes('format=xlsx'))!;
    expect(url).toBe(`${search}&format=xlsx`);
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tok');
    expect(saved).toEqual([{ href: 'blob:report', download: 'calls-2026-11-19-2026-11-25.xlsx' }]);
  });
});

describe('the archive export', () => {
  it('starts an archive of the period, follows its progress and downloads it', async () => {
    let polls = 0;
    const fetch = fakeFetch([
      [/archives\/a1\/download/, () => new Response(new Uint8Array([0x50, 0x4b]), { headers: { 'Content-Disposition': 'attachment; filename="calls.zip"' } })],
      [/archives\/a1$/, () => json(++polls < 2 ? { id: 'a1', state: 'running', progress: 0.5 } : { id: 'a1', state: 'done', progress: 1 })],
      [/archives$/, () => json({ id: 'a1', state: 'queued', progress: 0 }, 202)],
    ]);
    render(
      <I18nProvider initial="en">
        <ArchiveExport client={client(fetch)} tenantId="t1" period={{ preset: 'custom', from: '2026-11-01', to: '2026-11-02' }} pollMs={5} />
      </I18nProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Make an archive of the period' }));
    const post = await waitFor(() => fetch.mock.calls.find(([, init]) => init?.method === 'POST')!);
    expect(post[0]).toBe('/api/tenants/t1/reports/archives');
    expect(JSON.parse(String(post[1]?.body))).toEqual({ from: '2026-11-01', to: '2026-11-02' });
    await screen.findByText(/running · 50%/);
    const button = await screen.findByRole('button', { name: 'Download the archive' });
    expect((screen.getByRole('progressbar') as HTMLProgressElement).value).toBe(100);
    await act(async () => {
      fireEvent.click(button);
    });
    expect(urls(fetch)).toContain('/api/tenants/t1/reports/archives/a1/download');
    expect(saved).toEqual([{ href: 'blob:report', download: 'calls.zip' }]);
  });
});

describe('the contact-centre reports', () => {
  it('switches reports, sends their filters, draws a chart and exports', async () => {
    const fetch = fakeFetch([
      [/reports\/groups\/comparison\?.*format=csv/, () => new Response('\uFEFFkey\r\n101\r\n', { headers: { 'Content-Type': 'text/csv' } })],
      [
        /reports\/groups\/comparison/,
        () =>
          json([
            { key: '101', received: 10, answered: 8, lost: 2, lost_pct: 20, service_level_pct: 70 },
            { key: 'total', received: 10, answered: 8, lost: 2, lost_pct: 20, service_level_pct: 70 },
          ]),
      ],
      [
        /reports\/operator-states/,
        () =>
          json({
            operators: [
              { operator: '201', name: 'Ann', device: 'd1', summary: { available: 3600, talking: 600 }, timeline: [{ state: 'available', start: 's', end: 'e', seconds: 3600 }] },
            ],
          }),
      ],
    ]);
    show(fetch, 'contact-centre');
    await waitFor(() => expect(urls(fetch)).toContain('/api/tenants/t1/reports/groups/comparison?preset=7d&qos_seconds=20'));
    const table = await screen.findByTestId('cc-table');
    expect(within(table).getByText('Service level, %')).toBeTruthy();
    expect(within(table).getAllByText('70.0%')).toHaveLength(2);
    expect(screen.getByTestId('report-chart').querySelector('figcaption')?.textContent).toBe('Groups compared');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    });
    expect(urls(fetch)).toContain('/api/tenants/t1/reports/groups/comparison?preset=7d&qos_seconds=20&format=csv');
    expect(saved).toEqual([{ href: 'blob:report', download: 'comparison.csv' }]);

    // Operator states: a row per operator with seconds per state, the timeline left out.
    fireEvent.change(screen.getByLabelText('Report'), { target: { value: 'operator-states' } });
    await waitFor(() => expect(within(screen.getByTestId('cc-table')).getByText('Ann')).toBeTruthy());
    const states = screen.getByTestId('cc-table');
    expect(within(states).getByText('1:00:00')).toBeTruthy();
    expect(within(states).queryByText('timeline')).toBeNull();
  });

  it('waits for the group a group report needs', async () => {
    const fetch = fakeFetch([[/reports\/groups\/comparison/, () => json({ rows: [] })], [/reports\/groups\/g1\/operators/, () => json({ rows: [] })]]);
    show(fetch, 'contact-centre');
    await screen.findByTestId('cc-table');
    fireEvent.change(screen.getByLabelText('Report'), { target: { value: 'group-operators' } });
    expect(screen.getByText('Choose Group to see this report.')).toBeTruthy();
    expect(urls(fetch).some((u) => /reports\/groups\/[^/]*\/operators/.test(u))).toBe(false);
    await waitFor(() => expect(within(screen.getByLabelText('Group')).getByText('101 Sales')).toBeTruthy());
    fireEvent.change(screen.getByLabelText('Group'), { target: { value: 'g1' } });
    await waitFor(() => expect(urls(fetch)).toContain('/api/tenants/t1/reports/groups/g1/operators?preset=7d'));
  });
});

describe('the forecast', () => {
  it('checks the inputs, then shows the table and the service level chart', async () => {
    const rows = [
      { operators: 1, stable: false, probability_wait: null, asa_seconds: null, service_level: null, occupancy: null, note: 'unstable' },
      { operators: 2, stable: true, probability_wait: 0.4, asa_seconds: 30, service_level: 0.75, occupancy: 0.8, note: null },
    ];
    const fetch = fakeFetch([[/reports\/forecast/, () => json({ arrival_per_hour: 120, aht_seconds: 48, traffic_erlangs: 1.6, minimum_stable_operators: 2, rows })]]);
    show(fetch, 'forecast');
    fireEvent.click(screen.getByRole('button', { name: 'Calculate' }));
    expect(screen.getByRole('alert').textContent).toBe('Check “Group”.');
    fireEvent.change(screen.getByLabelText('Calls per hour'), { target: { value: '120' } });
    fireEvent.change(screen.getByLabelText('Average handling time, s'), { target: { value: '48' } });
    fireEvent.click(screen.getByRole('button', { name: 'Calculate' }));
    const table = await screen.findByTestId('forecast-table');
    expect(urls(fetch)).toContain('/api/tenants/t1/reports/forecast?preset=7d&target_seconds=20&max_operators=15&arrival_per_hour=120&aht_seconds=48');
    expect(within(table).getByText('75.0%')).toBeTruthy();
    expect(within(table).getByText('unstable')).toBeTruthy();
    expect(screen.getByTestId('forecast-load').textContent).toBe('Load 1.60 Erlangs: at least 2 operators keep the queue from growing.');
    expect(screen.getByTestId('report-chart').querySelector('figcaption')?.textContent).toBe('Service level by number of operators');
  });
});
