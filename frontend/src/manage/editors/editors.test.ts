import { describe, expect, it } from 'vitest';
import { cleanDevice, generatePassword, newDevice } from './DevicesEditor';
import { cleanEntries, filterEntries } from './EntriesEditor';
import { entriesImportUrl } from './EntriesImportOptions';
import { formatBytes, formatDuration, nameFromFile } from './Media';
import { applyRect, SLOT } from './ScheduleEditor';
import { fileContentType } from '../resourceApi';

describe('devices', () => {
  it('sends a SIP device without the members of an external one, keeping its id (and so its login)', () => {
    expect(cleanDevice({ ...newDevice('sip'), id: 'd1', username: 'acme-201-x1y2', password: '', number: 'junk' })).toEqual({
      id: 'd1',
      type: 'sip',
      ring_time: 20,
      forward: { mode: 'none', target: null },
      enabled: true,
      allowed_networks: [],
      nat: true,
      password: null, // empty: the server keeps (or generates) it
    });
    expect(cleanDevice({ ...newDevice('external'), number: ' +79161234567 ', forward: { mode: 'busy', target: ' +7495 ' } })).toEqual({
      type: 'external',
      ring_time: 20,
      forward: { mode: 'busy', target: '+7495' },
      enabled: true,
      number: '+79161234567',
    });
  });

  it('generates passwords the API takes', () => {
    const pw = generatePassword();
    expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword(12, (n) => new Uint32Array(n))).toBe('AAAAAAAAAAAA');
    expect(generatePassword()).not.toBe(pw);
  });
});

describe('classifier entries', () => {
  it('trims entries and sends an empty phone as null', () => {
    expect(cleanEntries([{ number: ' +7495* ', name: ' Moscow ', phone: '', email: '', note: '' }])).toEqual([
      { number: '+7495*', name: 'Moscow', phone: null, email: '', note: '' },
    ]);
  });

  it('filters rows by any column', () => {
    const entries = [{ number: '+7495*', name: 'Moscow' }, { number: '+7812*', name: 'Saint Petersburg', note: 'north' }];
    expect(filterEntries(entries, '')).toEqual([0, 1]);
    expect(filterEntries(entries, 'NORTH')).toEqual([1]);
    expect(filterEntries(entries, '7495')).toEqual([0]);
  });

  it('imports with the chosen mode and content type', () => {
    expect(entriesImportUrl('/api/tenants/t1/classifiers/c1', 'replace')).toBe('/api/tenants/t1/classifiers/c1/entries?mode=replace');
    expect(fileContentType({ name: 'list.XLSX', type: '' })).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(fileContentType({ name: 'cal.csv', type: 'application/vnd.ms-excel' })).toBe('text/csv');
    expect(fileContentType({ name: 'cal.json', type: '' })).toBe('application/json');
  });
});

describe('media', () => {
  it('formats sizes, durations and default names', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3.5 * 1024 * 1024)).toBe('3.5 MB');
    expect(formatDuration(61_400)).toBe('1:01');
    expect(formatDuration(undefined)).toBe('—');
    expect(nameFromFile('hold music.mp3')).toBe('hold music');
  });
});

describe('the week grid', () => {
  it('applies a dragged rectangle of slots to the periods', () => {
    expect(SLOT).toBe(30);
    // Monday 09:00 slot (18) to Friday 17:30 slot (35): Mon–Fri 09:00–18:00.
    const opened = applyRect([], { day0: 0, slot0: 18, day1: 4, slot1: 35, open: true });
    expect(opened).toEqual([{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }]);
    // Dragged the other way round, closing Wednesday–Thursday 13:00–14:00.
    expect(applyRect(opened, { day0: 3, slot0: 27, day1: 2, slot1: 26, open: false })).toEqual([
      { days: ['mon', 'tue', 'fri'], start: '09:00', end: '18:00' },
      { days: ['wed', 'thu'], start: '09:00', end: '13:00' },
      { days: ['wed', 'thu'], start: '14:00', end: '18:00' },
    ]);
  });
});
