// The routing-scheme editor (F-RTE-5): palette, canvas, inspector; undo/redo, auto-layout,
// live validation, publish, revisions with a visual diff and revert, and "test a call".
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { toProblem, type ApiClient, type Problem } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { checkConnection } from '../flow/connection';
import { diffView, isGhost, type DiffView } from '../flow/diff';
import { classifyProblem, groupFindings, validationFindings } from '../flow/findings';
import { deleteCommands, edgeId, nextNodeId, samePosition } from '../flow/graph';
import { canRedo, canUndo } from '../flow/history';
import { estimateSize, layoutPositions, withPositions } from '../flow/layout';
import { nodeLabel, portLabel, summarize } from '../flow/labels';
import { catalogueByType, drawnPorts, hasInput, type PortContext } from '../flow/ports';
import { SchemeApi } from '../flow/schemeApi';
import { nodeTypes, type SchemeFlowNode } from '../flow/SchemeNode';
import { entryNumbers, pathHighlight } from '../flow/simulate';
import { traceHighlight } from '../flow/trace';
import { activeList, callsOnNodes } from '../calls/liveCalls';
import { useLiveCalls } from '../calls/useLiveCalls';
import type { Command, Finding, GraphNode, IvrMenu, Revision, SimulationResult } from '../flow/types';
import { useSchemeEditor } from '../flow/useSchemeEditor';
import { useI18n, type MessageKey } from '../i18n';
import { href, type SchemeTraceRef } from '../router';
import type { User } from '../session';
import { useApi } from '../useApi';
import { EdgeInspector, NodeInspector, SchemeInfo } from './scheme/Inspector';
import { DND_TYPE, Palette } from './scheme/Palette';
import { ProblemsPanel } from './scheme/ProblemsPanel';
import { RevisionsPanel } from './scheme/RevisionsPanel';
import { SimulatePanel } from './scheme/SimulatePanel';
import { creatableSpec, RefCreator } from './scheme/RefCreator';

/** Who may change a tenant's schemes (the API's rule: a tenant admin, or a platform operator). */
export function canEditSchemes(user: Pick<User, 'role'>): boolean {
  return user.role === 'tenant_admin' || user.role === 'operator' || user.role === 'system';
}

type Tab = 'inspect' | 'problems' | 'revisions' | 'simulate';

interface Props {
  client: ApiClient;
  user: User;
  tenantId: string;
  schemeId: string;
  /** A call's path to draw (from its protocol). */
  trace?: SchemeTraceRef;
}

export function SchemeEditorPage(props: Props) {
  return (
    <ReactFlowProvider>
      <SchemeEditor {...props} />
    </ReactFlowProvider>
  );
}

function miniMapColor(node: SchemeFlowNode): string {
  const d = node.data;
  if (d.mark === 'added') return '#34a853';
  if (d.mark === 'removed') return '#e8a29b';
  if (d.mark === 'changed') return '#e0a800';
  if (d.steps.length) return '#2f6fde';
  if (d.errors.length) return '#b42318';
  if (d.nodeType === 'entry') return '#8fd19e';
  return '#c3cad6';
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

function SchemeEditor({ client, user, tenantId, schemeId, trace }: Props) {
  const { t } = useI18n();
  const api = useMemo(() => new SchemeApi(client, tenantId), [client, tenantId]);
  const mayEdit = canEditSchemes(user);
  const [comparing, setComparing] = useState<{ revision: number; view: DiffView } | null>(null);
  const ed = useSchemeEditor(api, schemeId, !mayEdit || comparing !== null);
  const readOnly = !mayEdit || comparing !== null || ed.conflict !== null;
  const flow = useReactFlow();

  const catalogue = useApi(() => api.catalogue(), 'scheme-catalogue');
  const components = useApi(() => api.components(), `components:${tenantId}`);
  const comps = useMemo(() => components.data ?? {}, [components.data]);
  const byType = useMemo(() => catalogueByType(catalogue.data ?? []), [catalogue.data]);
  const ctx: PortContext = useMemo(() => {
    const menus: Record<string, IvrMenu> = {};
    for (const m of (comps['ivr-menus'] ?? []) as IvrMenu[]) menus[m.id.toLowerCase()] = m;
    return { catalogue: byType, menus };
  }, [byType, comps]);

  const [tab, setTab] = useState<Tab>('inspect');
  const [hint, setHint] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const [simResult, setSimResult] = useState<SimulationResult | null>(null);
  const [refused, setRefused] = useState<Finding[] | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [publishComment, setPublishComment] = useState('');
  const [publishProblem, setPublishProblem] = useState<Problem | null>(null);
  const [revisionsKey, setRevisionsKey] = useState(0);
  const [layingOut, setLayingOut] = useState(false);
  const selectAfterSync = useRef<string | null>(null);
  // Fit the view to the scheme as loaded; a new, empty scheme is not refitted when its first node is dropped.
  const fitOnLoad = useRef<boolean | null>(null);
  if (fitOnLoad.current === null && ed.scheme) fitOnLoad.current = ed.scheme.graph.nodes.length > 0;

  const revisions = useApi(() => api.revisions(schemeId), `revisions:${schemeId}:${revisionsKey}`);
  const reloadRevisions = useCallback(() => setRevisionsKey((k) => k + 1), []);

  // --- what the canvas draws ---------------------------------------------------------
  const graph = ed.graph;
  const findings = useMemo(() => refused ?? validationFindings(ed.validation), [refused, ed.validation]);
  const issues = useMemo(() => groupFindings(findings, graph.nodes.map((n) => n.id)), [findings, graph.nodes]);
  const [showTrace, setShowTrace] = useState(true);
  const path = useMemo(
    () => (!simResult && trace && showTrace ? traceHighlight(trace.nodes, graph) : pathHighlight(simResult, graph)),
    [simResult, graph, trace, showTrace],
  );
  // Active calls on the nodes of a published scheme, live from the tenant's event stream.
  const published = !!ed.scheme?.published_revision;
  const { live } = useLiveCalls(client, published ? tenantId : null);
  const liveOnNodes = useMemo(() => callsOnNodes(activeList(live), schemeId), [live, schemeId]);

  const drawn = comparing?.view ?? null;
  const drawNodes: GraphNode[] = drawn ? drawn.nodes : graph.nodes;
  const drawEdges = useMemo(
    () => (drawn ? drawn.edges : graph.edges.map((e) => ({ id: edgeId(e), edge: e, mark: undefined }))),
    [drawn, graph.edges],
  );

  const [rfNodes, setRfNodes] = useState<SchemeFlowNode[]>([]);
  useEffect(() => {
    const allEdges = drawEdges.map((d) => d.edge);
    setRfNodes((prev) => {
      const before = new Map(prev.map((n) => [n.id, n]));
      const select = selectAfterSync.current;
      if (select && drawNodes.some((n) => n.id === select)) selectAfterSync.current = null;
      return drawNodes.map((node): SchemeFlowNode => {
        const ghost = isGhost(node.id);
        const realId = ghost ? node.id.slice('ghost:'.length) : node.id;
        const nodeIssues = ghost ? undefined : issues.byNode[node.id];
        const { ports, stale } = drawnPorts(node, allEdges, ctx);
        const prior = before.get(node.id);
        const mark = drawn?.nodeMarks[node.id] ?? null;
        return {
          id: node.id,
          type: 'scheme',
          position: node.position,
          selected: select ? node.id === select : (prior?.selected ?? false),
          draggable: !readOnly && !ghost,
          selectable: !ghost,
          connectable: !readOnly && !ghost,
          deletable: false,
          measured: prior?.measured,
          data: {
            nodeId: realId,
            nodeType: node.type,
            label: nodeLabel(node.type, t, byType[node.type]?.label),
            summary: summarize(node, comps, t),
            input: hasInput(node.type),
            ports: ports.map((port) => ({
              port,
              label: portLabel(port, t),
              connected: allEdges.some((e) => e.from === node.id && e.port === port),
              stale: stale.has(port),
              findings: nodeIssues?.ports[port] ?? [],
              onPath: path.edges.has(edgeId({ from: node.id, port })),
            })),
            errors: nodeIssues?.errors ?? [],
            warnings: nodeIssues?.warnings ?? [],
            mark,
            markDetail: mark === 'changed' ? drawn?.changedFields[node.id]?.join(', ') : undefined,
            steps: ghost ? [] : (path.steps[node.id] ?? []),
            ghost,
            readOnly,
            live: ghost ? 0 : (liveOnNodes[node.id] ?? 0),
            liveLabel: t('live.onNodes', { count: liveOnNodes[node.id] ?? 0 }),
          },
        };
      });
    });
  }, [drawNodes, drawEdges, issues, ctx, comps, byType, path, drawn, readOnly, t, liveOnNodes]);

  const rfEdges: Edge[] = useMemo(
    () =>
      drawEdges.map(({ id, edge, mark }) => {
        const onPath = path.edges.has(id);
        const cls = [mark ? `is-${mark}` : '', onPath ? 'is-on-path' : ''].filter(Boolean).join(' ');
        return {
          id,
          source: edge.from,
          sourceHandle: edge.port,
          target: edge.to,
          targetHandle: 'in',
          className: cls || undefined,
          selected: selectedEdges.has(id),
          selectable: !mark || mark !== 'removed',
          deletable: false,
          animated: onPath,
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
          data: { port: edge.port },
        };
      }),
    [drawEdges, path, selectedEdges],
  );

  const selectedNodeIds = rfNodes.filter((n) => n.selected && !isGhost(n.id)).map((n) => n.id);
  const selectedNode = selectedNodeIds.length === 1 ? graph.nodes.find((n) => n.id === selectedNodeIds[0]) : undefined;
  const selectedEdge =
    selectedNodeIds.length === 0 && selectedEdges.size === 1
      ? graph.edges.find((e) => selectedEdges.has(edgeId(e)))
      : undefined;

  // --- edits ---------------------------------------------------------------------------
  const addNode = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const current = ed.currentGraph();
      const id = nextNodeId(current, type);
      const node: GraphNode = { id, type, params: {}, position: { x: Math.round(position.x), y: Math.round(position.y) } };
      selectAfterSync.current = id;
      setSelectedEdges(new Set());
      if (ed.perform(t('history.add', { node: id }), [{ op: 'add_node', node }])) setTab('inspect');
    },
    [ed, t],
  );

  const addInView = useCallback(
    (type: string) => {
      const box = document.querySelector('[data-testid="flow-canvas"]')?.getBoundingClientRect();
      const center = box
        ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
        : { x: 0, y: 0 };
      const n = ed.currentGraph().nodes.length;
      addNode(type, { x: center.x - 100 + (n % 5) * 24, y: center.y - 40 + (n % 5) * 24 });
    },
    [addNode, ed, flow],
  );

  const onDragOver = (event: DragEvent) => {
    if (readOnly) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    if (readOnly) return;
    const type = event.dataTransfer.getData(DND_TYPE) || event.dataTransfer.getData('text/plain');
    if (!type || !(type in byType || catalogue.data === undefined)) return;
    addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  const isValidConnection: IsValidConnection = useCallback(
    (conn) => checkConnection(ed.currentGraph(), conn, ctx).ok,
    [ed, ctx],
  );

  const onConnect = useCallback(
    (conn: Connection) => {
      const check = checkConnection(ed.currentGraph(), conn, ctx);
      if (!check.ok) {
        setHint(t(`connect.${check.reason}` as MessageKey));
        return;
      }
      setHint(null);
      const cmd: Command = { op: 'connect', from: conn.source, port: conn.sourceHandle ?? '', to: conn.target };
      ed.perform(t('history.connect', { from: conn.source, to: conn.target }), [cmd]);
    },
    [ed, ctx, t],
  );

  // A drag from a port that did not end on an input: dropped on a node's body, connect
  // to that node; refused, say why.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle || state.fromHandle.type !== 'source') return;
      let target = state.toNode?.id ?? null;
      if (!target) {
        const point = 'changedTouches' in event ? event.changedTouches[0] : event;
        const el = point ? document.elementFromPoint(point.clientX, point.clientY) : null;
        target = el?.closest('.react-flow__node')?.getAttribute('data-id') ?? null;
      }
      if (!target || isGhost(target)) return;
      const conn = { source: state.fromNode.id, sourceHandle: state.fromHandle.id ?? null, target, targetHandle: 'in' };
      const check = checkConnection(ed.currentGraph(), conn, ctx);
      if (check.ok) onConnect(conn as Connection);
      else setHint(t(`connect.${check.reason}` as MessageKey));
    },
    [ed, ctx, t, onConnect],
  );

  const onNodesChange = useCallback((changes: NodeChange<SchemeFlowNode>[]) => {
    setRfNodes((nds) => applyNodeChanges(changes.filter((c) => c.type !== 'remove' && c.type !== 'add'), nds));
    if (changes.some((c) => c.type === 'select' && c.selected)) setSelectedEdges(new Set());
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((current) => {
      const next = new Set(current);
      for (const c of changes) {
        if (c.type !== 'select') continue;
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      }
      return next;
    });
  }, []);

  const onNodeDragStop = useCallback(
    (_e: unknown, _node: SchemeFlowNode, nodes: SchemeFlowNode[]) => {
      const current = ed.currentGraph();
      const moves: Command[] = [];
      for (const n of nodes) {
        const before = current.nodes.find((g) => g.id === n.id);
        if (before && !samePosition(before.position, n.position)) {
          moves.push({ op: 'move_node', id: n.id, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } });
        }
      }
      if (moves.length) ed.perform(t('history.move', { n: moves.length }), moves);
    },
    [ed, t],
  );

  /** Lead an exit to a node (from the inspector, by keyboard): replaces what the port led to. */
  const route = useCallback(
    (port: string, to: string | null) => {
      if (!selectedNode) return;
      const from = selectedNode.id;
      const current = ed.currentGraph().edges.find((e) => e.from === from && e.port === port);
      if ((current?.to ?? null) === to) return;
      const cmds: Command[] = [];
      if (current) cmds.push({ op: 'disconnect', from, port });
      if (to) cmds.push({ op: 'connect', from, port, to });
      ed.perform(to ? t('history.connect', { from, to }) : t('history.delete', { n: 1 }), cmds);
    },
    [ed, selectedNode, t],
  );

  const deleteSelection = useCallback(() => {
    const cmds = deleteCommands(ed.currentGraph(), selectedNodeIds, [...selectedEdges]);
    if (cmds.length && ed.perform(t('history.delete', { n: cmds.length }), cmds)) setSelectedEdges(new Set());
  }, [ed, selectedNodeIds, selectedEdges, t]);

  const autoLayout = useCallback(async () => {
    const current = ed.currentGraph();
    if (!current.nodes.length) return;
    setLayingOut(true);
    try {
      const measured = new Map(rfNodes.map((n) => [n.id, n.measured]));
      const positions = await layoutPositions(
        current,
        (node) => drawnPorts(node, current.edges, ctx).ports,
        (node, ports) => {
          const m = measured.get(node.id);
          return m?.width && m?.height ? { width: m.width, height: m.height } : estimateSize(ports.length);
        },
      );
      const moved = current.nodes.some((n) => positions[n.id] && !samePosition(n.position, positions[n.id]));
      if (moved) ed.perform(t('history.layout'), [{ op: 'replace_draft', graph: withPositions(current, positions) }]);
      window.setTimeout(() => void flow.fitView({ padding: 0.2, duration: 300 }), 50);
    } catch (error) {
      setHint(error instanceof Error ? error.message : String(error));
    } finally {
      setLayingOut(false);
    }
  }, [ed, rfNodes, ctx, flow, t]);

  // Keyboard: Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, Delete removes the selection.
  const keys = useRef({ undo: ed.undo, redo: ed.redo, deleteSelection });
  keys.current = { undo: ed.undo, redo: ed.redo, deleteSelection };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) keys.current.redo();
        else keys.current.undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        keys.current.redo();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && !mod) {
        e.preventDefault();
        keys.current.deleteSelection();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Unsaved-changes guard: edits still on their way to the server.
  useEffect(() => {
    if (ed.pending === 0 && !ed.conflict) return;
    const guard = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [ed.pending, ed.conflict]);

  // A refused connection's message goes away by itself.
  useEffect(() => {
    if (!hint) return;
    const timer = window.setTimeout(() => setHint(null), 8000);
    return () => window.clearTimeout(timer);
  }, [hint]);

  // A refused publish's findings stand until the next change.
  useEffect(() => setRefused(null), [ed.scheme?.version]);

  // --- publish, compare, revert, simulate -------------------------------------------------
  const publish = async () => {
    setPublishProblem(null);
    try {
      const rev = await ed.exclusive((version) => api.publish(schemeId, version, publishComment.trim()));
      ed.updateScheme({
        version: rev.scheme_version ?? ed.scheme!.version + 1,
        published_revision: rev.number,
        revisions: rev.number,
        entries: rev.entries,
      });
      setPublishing(false);
      setPublishComment('');
      setRefused(null);
      setNotice(t('publish.done', { n: rev.number }));
      reloadRevisions();
    } catch (error) {
      const problem = toProblem(error);
      const kind = classifyProblem(problem);
      if (kind.kind === 'conflict') ed.markConflict(kind);
      else if (kind.kind === 'findings') {
        setRefused(kind.findings);
        setTab('problems');
        setPublishProblem(problem);
      } else setPublishProblem(problem);
    }
  };

  const compare = async (revision: number | null) => {
    if (revision === null) {
      setComparing(null);
      return;
    }
    try {
      const diff = await api.diff(schemeId, revision, 'draft');
      setComparing({ revision, view: diffView(ed.currentGraph(), diff) });
      setSimResult(null);
    } catch (error) {
      setHint(toProblem(error).detail);
    }
  };

  const revert = async (revision: number, comment: string) => {
    try {
      const rev: Revision = await ed.exclusive((version) => api.revert(schemeId, version, revision, comment));
      setComparing(null);
      await ed.reload();
      setNotice(t('revisions.reverted', { n: rev.number, from: revision }));
      reloadRevisions();
    } catch (error) {
      const kind = classifyProblem(toProblem(error));
      if (kind.kind === 'conflict') ed.markConflict(kind);
      throw error;
    }
  };

  const runSimulation = async (request: Parameters<SchemeApi['simulate']>[1]) => {
    const result = await api.simulate(schemeId, request);
    setSimResult(result);
    return result;
  };

  const showNode = (id: string) => {
    const node = graph.nodes.find((n) => n.id === id);
    if (!node) return;
    setRfNodes((nds) => nds.map((n) => ({ ...n, selected: n.id === id })));
    void flow.fitView({ nodes: [{ id }], padding: 0.6, duration: 300, maxZoom: 1.2 });
  };

  // --- render ---------------------------------------------------------------------------
  if (ed.loadProblem && !ed.scheme) {
    return (
      <main className="editor editor--message">
        <ProblemAlert problem={ed.loadProblem} onRetry={() => void ed.reload()} />
        <a href={href({ name: 'schemes', tenantId })}>{t('schemes.back')}</a>
      </main>
    );
  }
  if (!ed.scheme) {
    return (
      <main className="editor editor--message">
        <p className="muted">{t('common.loading')}</p>
      </main>
    );
  }
  const scheme = ed.scheme;
  const status = ed.conflict
    ? t('editor.statusConflict')
    : ed.pending
      ? t('editor.statusSaving')
      : t('editor.statusSaved', { version: scheme.version });
  const validationText = ed.validation
    ? ed.validation.errors.length || ed.validation.warnings.length
      ? t('editor.findings', { errors: ed.validation.errors.length, warnings: ed.validation.warnings.length })
      : t('editor.valid')
    : '…';

  return (
    <main className="editor" data-testid="scheme-editor" data-version={scheme.version} data-pending={ed.pending}>
      <div className="editor__bar">
        <a className="editor__back" href={href({ name: 'schemes', tenantId })}>
          ← {t('schemes.title')}
        </a>
        <h1 className="editor__name">{scheme.name}</h1>
        <span className="editor__status muted" data-testid="save-status" role="status">
          {status}
        </span>
        <span className="editor__live badge">
          {scheme.published_revision ? t('scheme.liveRevision', { n: scheme.published_revision }) : t('scheme.notPublished')}
        </span>
        <div className="editor__tools">
          {mayEdit && (
            <>
              <button
                type="button"
                onClick={ed.undo}
                disabled={readOnly || !canUndo(ed.history)}
                title={t('editor.undoHint')}
                aria-keyshortcuts="Control+Z"
              >
                {t('editor.undo')}
              </button>
              <button
                type="button"
                onClick={ed.redo}
                disabled={readOnly || !canRedo(ed.history)}
                title={t('editor.redoHint')}
                aria-keyshortcuts="Control+Shift+Z"
              >
                {t('editor.redo')}
              </button>
              <button type="button" onClick={() => void autoLayout()} disabled={readOnly || layingOut || !graph.nodes.length}>
                {t('editor.layout')}
              </button>
            </>
          )}
          <button
            type="button"
            className={`validation-chip ${ed.validation ? (ed.validation.valid ? 'is-valid' : 'is-invalid') : ''}`}
            data-testid="validation-summary"
            onClick={() => setTab('problems')}
          >
            {validationText}
          </button>
          {mayEdit && (
            <button
              type="button"
              className="primary"
              disabled={readOnly}
              onClick={() => {
                setPublishing((p) => !p);
                setPublishProblem(null);
              }}
            >
              {t('publish.button')}
            </button>
          )}
        </div>
      </div>

      {publishing && !readOnly && (
        <form
          className="publish-form"
          onSubmit={(e) => {
            e.preventDefault();
            void publish();
          }}
        >
          <label htmlFor="publish-comment">{t('publish.comment')}</label>
          <input
            id="publish-comment"
            value={publishComment}
            maxLength={500}
            autoFocus
            onChange={(e) => setPublishComment(e.target.value)}
          />
          <button type="submit" className="primary">
            {t('publish.confirm')}
          </button>
          <button type="button" onClick={() => setPublishing(false)}>
            {t('common.cancel')}
          </button>
        </form>
      )}

      {ed.conflict && (
        <div className="alert conflict" role="alert" data-testid="conflict-banner">
          <strong>{t('conflict.title')}</strong>{' '}
          {ed.conflict.currentVersion !== null
            ? t('conflict.detailVersion', { version: ed.conflict.currentVersion })
            : t('conflict.detail')}
          <button type="button" className="primary" onClick={() => void ed.reload()}>
            {t('conflict.reload')}
          </button>
        </div>
      )}
      {ed.editError && (
        <div className="alert" role="alert" data-testid="edit-error">
          <strong>{t('editor.refused')}</strong>
          <ul>
            {ed.editError.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={ed.clearEditError}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
      {publishProblem && !refused && <ProblemAlert problem={publishProblem} />}
      {refused && <div className="alert" role="alert">{t('publish.refused', { n: refused.filter((f) => f.severity === 'error').length })}</div>}
      {trace && showTrace && !simResult && (
        <div className="notice" role="status" data-testid="trace-banner">
          {trace.revision ? t('trace.banner', { revision: trace.revision }) : t('trace.bannerDraft')}
          {trace.revision && trace.revision !== scheme.revisions ? ` ${t('trace.otherRevision')}` : ''}{' '}
          <button type="button" className="link-button" onClick={() => setShowTrace(false)}>
            {t('trace.clear')}
          </button>
        </div>
      )}
      {notice && (
        <div className="notice" role="status" data-testid="notice">
          {notice}{' '}
          <button type="button" className="link-button" onClick={() => setNotice(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
      {hint && (
        <div className="notice notice--hint" role="status" data-testid="hint">
          {hint}{' '}
          <button type="button" className="link-button" onClick={() => setHint(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
      {!mayEdit && <div className="notice">{t('editor.readOnly')}</div>}
      {catalogue.problem && <ProblemAlert problem={catalogue.problem} onRetry={catalogue.reload} />}

      <div className={`editor__body${mayEdit && !readOnly ? '' : ' is-read-only'}`}>
        {mayEdit && !readOnly && <Palette catalogue={catalogue.data ?? []} onAdd={addInView} />}
        <div className="editor__canvas" data-testid="flow-canvas" onDragOver={onDragOver} onDrop={onDrop}>
          <div className="routing__fill">
            <ReactFlow<SchemeFlowNode, Edge>
              nodes={rfNodes}
              edges={rfEdges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onConnectEnd={onConnectEnd}
              isValidConnection={isValidConnection}
              onNodeDragStop={onNodeDragStop}
              onNodeClick={() => setTab('inspect')}
              onEdgeClick={() => setTab('inspect')}
              nodesDraggable={!readOnly}
              nodesConnectable={!readOnly}
              deleteKeyCode={null}
              fitView={fitOnLoad.current ?? false}
              fitViewOptions={{ padding: 0.25, maxZoom: 1.1 }}
              minZoom={0.2}
              maxZoom={2}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable ariaLabel={t('editor.minimap')} nodeColor={miniMapColor} />
            </ReactFlow>
          </div>
        </div>
        <aside className="sidepanel">
          <div className="tabs" role="tablist">
            {(['inspect', 'problems', 'revisions', 'simulate'] as Tab[]).map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={tab === name}
                className={tab === name ? 'is-active' : undefined}
                onClick={() => setTab(name)}
              >
                {t(`tab.${name}` as MessageKey)}
              </button>
            ))}
          </div>
          <div className="sidepanel__body">
            {tab === 'inspect' &&
              (selectedNode ? (
                <NodeInspector
                  key={selectedNode.id}
                  node={selectedNode}
                  catalogue={byType}
                  components={comps}
                  findings={[...(issues.byNode[selectedNode.id]?.errors ?? []), ...(issues.byNode[selectedNode.id]?.warnings ?? [])]}
                  edges={graph.edges}
                  ports={drawnPorts(selectedNode, graph.edges, ctx).ports}
                  targets={(port) =>
                    graph.nodes
                      .filter(
                        (n) =>
                          checkConnection(
                            { nodes: graph.nodes, edges: graph.edges.filter((e) => !(e.from === selectedNode.id && e.port === port)) },
                            { source: selectedNode.id, sourceHandle: port, target: n.id, targetHandle: 'in' },
                            ctx,
                          ).ok,
                      )
                      .map((n) => ({ id: n.id, label: `${n.id} · ${nodeLabel(n.type, t, byType[n.type]?.label)}` }))
                  }
                  onRoute={route}
                  readOnly={readOnly}
                  onApply={(params) =>
                    ed.perform(t('history.params', { node: selectedNode.id }), [{ op: 'set_params', id: selectedNode.id, params }])
                  }
                  onDelete={deleteSelection}
                  canCreateRef={(kind) => creatableSpec(kind) !== null}
                  newRef={(kind, done, cancel) =>
                    creatableSpec(kind) ? (
                      <RefCreator
                        client={client}
                        user={user}
                        tenantId={tenantId}
                        kind={kind}
                        onCreated={(id) => {
                          components.reload(); // the new object joins the selects
                          done(id);
                        }}
                        onCancel={cancel}
                      />
                    ) : null
                  }
                />
              ) : selectedEdge ? (
                <EdgeInspector edge={selectedEdge} readOnly={readOnly} onDelete={deleteSelection} />
              ) : (
                <SchemeInfo scheme={scheme} readOnly={readOnly} />
              ))}
            {tab === 'problems' && <ProblemsPanel validation={ed.validation} refused={refused} onShow={showNode} />}
            {tab === 'revisions' && (
              <RevisionsPanel
                revisions={revisions.data?.items}
                loading={revisions.loading}
                problem={revisions.problem}
                onRetry={revisions.reload}
                comparing={comparing?.revision ?? null}
                diff={comparing?.view ?? null}
                readOnly={!mayEdit || ed.conflict !== null}
                onCompare={(n) => void compare(n)}
                onRevert={revert}
              />
            )}
            {tab === 'simulate' && (
              <SimulatePanel
                numbers={entryNumbers(graph)}
                published={!!scheme.published_revision}
                result={simResult}
                onRun={runSimulation}
                onClear={() => setSimResult(null)}
              />
            )}
          </div>
        </aside>
      </div>
    </main>
  );
}
