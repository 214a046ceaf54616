// The node palette: one item per node type of the catalogue. Drag one onto the canvas
// (HTML5 drag and drop), or press it (mouse or keyboard) to add the node in view.
import type { DragEvent } from 'react';
import { nodeLabel } from '../../flow/labels';
import type { CatalogueEntry } from '../../flow/types';
import { useI18n } from '../../i18n';

export const DND_TYPE = 'application/x-pbxflow-node';

export function Palette({ catalogue, onAdd }: { catalogue: CatalogueEntry[]; onAdd: (type: string) => void }) {
  const { t } = useI18n();
  const onDragStart = (event: DragEvent<HTMLButtonElement>, type: string) => {
    event.dataTransfer.setData(DND_TYPE, type);
    event.dataTransfer.setData('text/plain', type);
    event.dataTransfer.effectAllowed = 'move';
  };
  return (
    <aside className="palette" aria-label={t('editor.palette')} data-testid="palette">
      <h2>{t('editor.palette')}</h2>
      <p className="muted palette__hint">{t('editor.paletteHint')}</p>
      <ul>
        {catalogue.map((entry) => (
          <li key={entry.type}>
            <button
              type="button"
              className={`palette__item palette__item--${entry.type}`}
              draggable
              data-type={entry.type}
              onDragStart={(e) => onDragStart(e, entry.type)}
              onClick={() => onAdd(entry.type)}
              title={t('editor.paletteItemHint')}
            >
              {nodeLabel(entry.type, t, entry.label)}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
