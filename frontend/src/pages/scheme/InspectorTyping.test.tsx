import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../../i18n';
import { NodeInspector } from './Inspector';

afterEach(cleanup);

const props = {
  catalogue: {},
  components: {} as never,
  findings: [],
  edges: [],
  ports: ['answered', 'no_answer', 'busy', 'unavailable'],
  targets: () => [],
  readOnly: false,
  onApply: () => {},
  onRoute: () => {},
  onDelete: () => {},
};

function view(params: Record<string, unknown>, id = 'd1') {
  return (
    <I18nProvider initial="en">
      <NodeInspector {...props} node={{ id, type: 'dial', params, position: { x: 0, y: 0 } } as never} />
    </I18nProvider>
  );
}

describe('node inspector while the server answers', () => {
  it('keeps what was typed when the server changes other params', () => {
    const { rerender } = render(view({ extension_id: null, ring_time: 20 }));
    const ring = screen.getByLabelText(/ring/i) as HTMLInputElement;
    fireEvent.change(ring, { target: { value: '45' } });
    // The answer to adding the node arrives: params completed by the server, ring_time unchanged.
    rerender(view({ extension_id: null, ring_time: 20, extra: 1 }));
    expect((screen.getByLabelText(/ring/i) as HTMLInputElement).value).toBe('45');
  });

  it('shows the server value of a field nobody typed into, and everything anew for another node', () => {
    const { rerender } = render(view({ extension_id: null, ring_time: 20 }));
    rerender(view({ extension_id: null, ring_time: 30 }));
    expect((screen.getByLabelText(/ring/i) as HTMLInputElement).value).toBe('30');
    fireEvent.change(screen.getByLabelText(/ring/i), { target: { value: '45' } });
    rerender(view({ extension_id: null, ring_time: 25 }, 'd2'));
    expect((screen.getByLabelText(/ring/i) as HTMLInputElement).value).toBe('25');
  });
});
