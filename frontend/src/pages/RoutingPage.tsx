import { useCallback } from 'react';
import {
  Background,
  Controls,
  ReactFlow,
  addEdge,
  useEdgesState,
  useNodesState,
  type Connection,
  type Edge,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { nodeTypes, type FlowNodeType } from '../flow/FlowNode';
import { useI18n } from '../i18n';

// Placeholder for the call-flow editor: two demo nodes, Entry → Dial extension.
const initialNodes: FlowNodeType[] = [
  { id: 'entry', type: 'step', position: { x: 0, y: 60 }, data: { nodeType: 'entry', params: {} } },
  { id: 'dial', type: 'step', position: { x: 280, y: 0 }, data: { nodeType: 'dial', params: { extension: '101' } } },
];

const initialEdges: Edge[] = [
  { id: 'entry:next->dial', source: 'entry', sourceHandle: 'next', target: 'dial', targetHandle: 'in' },
];

export function RoutingPage() {
  const { t } = useI18n();
  const [nodes, , onNodesChange] = useNodesState(initialNodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState(initialEdges);
  const onConnect = useCallback(
    (connection: Connection) =>
      // One edge per output port: a new connection replaces the old one.
      setEdges((current) =>
        addEdge(
          connection,
          current.filter((e) => !(e.source === connection.source && e.sourceHandle === connection.sourceHandle)),
        ),
      ),
    [setEdges],
  );

  return (
    <main className="routing">
      <div className="routing__bar">
        <h1>{t('routing.title')}</h1>
        <p className="muted">{t('routing.hint')}</p>
      </div>
      <div className="routing__canvas" data-testid="flow-canvas">
        <div className="routing__fill">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            fitView
            fitViewOptions={{ padding: 0.3, maxZoom: 1.2 }}
          >
            <Background />
            <Controls />
          </ReactFlow>
        </div>
      </div>
    </main>
  );
}
