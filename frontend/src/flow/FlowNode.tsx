// A custom React Flow node: a title, a one-line summary of its parameters, an
// input handle on the left and one named output handle per port on the right.
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { hasInput, outputPorts, type NodeParams, type NodeType } from './ports';

export type FlowNodeData = {
  nodeType: NodeType;
  params: NodeParams;
};

export type FlowNodeType = Node<FlowNodeData, 'step'>;

export function portLabel(port: string, t: Translate): string {
  if (port.startsWith('key_')) {
    const key = port.slice(4);
    return t('port.key', { key: key === 'star' ? '*' : key === 'hash' ? '#' : key });
  }
  return t(`port.${port}` as MessageKey);
}

function summary(nodeType: NodeType, params: NodeParams): string {
  if (nodeType === 'dial' && params.extension) return `→ ${String(params.extension)}`;
  if (nodeType === 'entry' && params.number) return String(params.number);
  return '';
}

export function FlowNode({ data, selected }: NodeProps<FlowNodeType>) {
  const { t } = useI18n();
  const ports = outputPorts(data.nodeType, data.params);
  const detail = summary(data.nodeType, data.params);
  return (
    <div className={`flow-node flow-node--${data.nodeType}${selected ? ' is-selected' : ''}`}>
      {hasInput(data.nodeType) && <Handle type="target" position={Position.Left} id="in" />}
      <div className="flow-node__title">{t(`node.${data.nodeType}` as MessageKey)}</div>
      {detail && <div className="flow-node__detail">{detail}</div>}
      {ports.length > 0 && (
        <ul className="flow-node__ports">
          {ports.map((port) => (
            <li key={port} className="flow-node__port" data-port={port}>
              <span>{portLabel(port, t)}</span>
              <Handle type="source" position={Position.Right} id={port} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const nodeTypes = { step: FlowNode };
