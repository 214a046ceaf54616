// A scheme node on the canvas: its type and id, a line or two of key params, an input
// handle on the left (not for an entry) and one named output handle per port on the
// right. Validation findings, diff marks and the simulated path show on it.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { NodeMark } from './diff';
import type { Finding } from './types';

export interface PortView {
  port: string;
  label: string;
  connected: boolean;
  stale: boolean;
  findings: Finding[];
  onPath: boolean;
}

export type SchemeNodeData = {
  nodeId: string;
  nodeType: string;
  label: string;
  summary: string[];
  input: boolean;
  ports: PortView[];
  errors: Finding[];
  warnings: Finding[];
  mark: NodeMark | null;
  markDetail?: string;
  steps: number[];
  ghost: boolean;
  readOnly: boolean;
  /** Active calls on this node now (published schemes, live). */
  live?: number;
  liveLabel?: string;
};

export type SchemeFlowNode = Node<SchemeNodeData, 'scheme'>;

function titleOf(findings: Finding[]): string {
  return findings.map((f) => f.message).join('\n');
}

function SchemeNodeView({ data, selected }: NodeProps<SchemeFlowNode>) {
  const classes = ['scheme-node', `scheme-node--${data.nodeType}`];
  if (selected) classes.push('is-selected');
  if (data.errors.length) classes.push('has-errors');
  else if (data.warnings.length) classes.push('has-warnings');
  if (data.mark) classes.push(`is-${data.mark}`);
  if (data.steps.length) classes.push('is-on-path');
  if (data.ghost) classes.push('is-ghost');
  const issues = [...data.errors, ...data.warnings];
  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${data.nodeId}`}
      data-node-type={data.nodeType}
      data-mark={data.mark ?? undefined}
      data-errors={data.errors.length || undefined}
      data-warnings={data.warnings.length || undefined}
      title={data.markDetail}
    >
      {data.input && (
        <Handle type="target" position={Position.Left} id="in" isConnectable={!data.readOnly && !data.ghost} />
      )}
      <div className="scheme-node__title">
        <span className="scheme-node__type">{data.label}</span>
        <span className="scheme-node__id mono">{data.nodeId}</span>
        {data.steps.length > 0 && (
          <span className="scheme-node__steps" data-testid={`steps-${data.nodeId}`}>
            {data.steps.join(', ')}
          </span>
        )}
        {!!data.live && (
          <span className="scheme-node__live" data-testid={`live-${data.nodeId}`} title={data.liveLabel} aria-label={data.liveLabel}>
            {data.live}
          </span>
        )}
        {issues.length > 0 && (
          <span
            className={`scheme-node__badge ${data.errors.length ? 'is-error' : 'is-warning'}`}
            title={titleOf(issues)}
            aria-label={titleOf(issues)}
          >
            {issues.length}
          </span>
        )}
      </div>
      {data.summary.length > 0 && (
        <div className="scheme-node__summary">
          {data.summary.map((line, i) => (
            <div key={i}>{line}</div>
          ))}
        </div>
      )}
      {data.ports.length > 0 && (
        <ul className="scheme-node__ports">
          {data.ports.map((p) => {
            const cls = ['scheme-node__port'];
            const sev = p.findings.some((f) => f.severity === 'error') ? 'error' : p.findings.length ? 'warning' : null;
            if (sev) cls.push(`has-${sev}`);
            if (p.stale) cls.push('is-stale');
            if (p.connected) cls.push('is-connected');
            if (p.onPath) cls.push('is-on-path');
            return (
              <li key={p.port} className={cls.join(' ')} data-port={p.port} title={titleOf(p.findings) || undefined}>
                <span>{p.label}</span>
                <Handle
                  type="source"
                  position={Position.Right}
                  id={p.port}
                  isConnectable={!data.readOnly && !data.ghost}
                  data-testid={`handle-${data.nodeId}-${p.port}`}
                />
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export const SchemeNode = memo(SchemeNodeView);

export const nodeTypes = { scheme: SchemeNode };
