import { describe, expect, it } from 'vitest';
import { archiveDone, archiveFailed, archivePercent } from './archive';
import { tableCsv } from './csv';

describe('archive progress', () => {
  it('reads a fraction or a percent, clamped, 100 once done', () => {
    expect(archivePercent({ id: 'a', state: 'running', progress: 0.456 })).toBe(46);
    expect(archivePercent({ id: 'a', state: 'running', progress: 37 })).toBe(37);
    expect(archivePercent({ id: 'a', state: 'queued' })).toBe(0);
    expect(archivePercent({ id: 'a', state: 'running', progress: 250 })).toBe(100);
    expect(archivePercent({ id: 'a', state: 'done', progress: 0.5 })).toBe(100);
    expect(archiveDone({ id: 'a', state: 'done' })).toBe(true);
    expect(archiveFailed({ id: 'a', state: 'failed' })).toBe(true);
    expect(archiveFailed({ id: 'a', state: 'running' })).toBe(false);
  });
});

describe('table CSV', () => {
  it('quotes, neutralises formulas and starts with a BOM', () => {
    const csv = tableCsv(
      [
        { key: 'caller', title: 'Caller' },
        { key: 'note', title: 'Note, text' },
      ],
      [
        { caller: '+74951234567', note: '=HYPERLINK("x")' },
        { caller: 'Anna "A"', note: null },
      ],
    );
    expect(csv).toBe('\uFEFFCaller,"Note, text"\r\n\'+74951234567,"\'=HYPERLINK(""x"")"\r\n"Anna ""A""",\r\n');
  });
});
