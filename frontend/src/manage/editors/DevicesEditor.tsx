// The devices of an extension (1–4): SIP accounts (login assigned by the server, password
// generated or set, allowed networks, NAT) and external numbers; ring time and forwarding
// per device. A SIP device keeps its id, so its credentials survive an edit.
import { useState } from 'react';
import type { ApiClient } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { useCached } from '../cache';
import { rowErrors } from '../formErrors';
import type { CustomFieldProps } from '../types';
import { errorAt, ListInput, RestErrors, RowError, Secret } from './inputs';

export interface Forward {
  mode: string;
  target?: string | null;
}

export interface DeviceValue {
  id?: string | null;
  type: string;
  username?: string | null;
  password?: string | null;
  number?: string | null;
  allowed_networks?: string[];
  nat?: boolean;
  ring_time?: number | null;
  forward?: Forward;
  enabled?: boolean;
}

export const MAX_DEVICES = 4;
const FORWARD_MODES = ['none', 'unconditional', 'busy', 'no_answer'] as const;

export function newDevice(type: 'sip' | 'external' = 'sip'): DeviceValue {
  const base = { type, ring_time: 20, forward: { mode: 'none', target: null }, enabled: true };
  return type === 'sip' ? { ...base, allowed_networks: [], nat: true } : { ...base, number: '' };
}

/** A strong SIP password the API accepts (12–64 of A–Z a–z 0–9 _ -). */
export function generatePassword(length = 24, random: (n: number) => Uint32Array = (n) => crypto.getRandomValues(new Uint32Array(n))): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from(random(length), (n) => alphabet[n % alphabet.length]).join('');
}

/** What the API takes for a device: the members of its type only; empty strings as null. */
export function cleanDevice(d: DeviceValue): Record<string, unknown> {
  const forward = { mode: d.forward?.mode ?? 'none', target: d.forward?.target?.trim() || null };
  const common: Record<string, unknown> = {
    type: d.type,
    ring_time: d.ring_time ?? 20,
    forward,
    enabled: d.enabled ?? true,
  };
  if (d.id) common.id = d.id;
  if (d.type === 'sip') {
    return {
      ...common,
      allowed_networks: d.allowed_networks ?? [],
      nat: d.nat ?? true,
      password: d.password?.trim() || null,
    };
  }
  return { ...common, number: d.number?.trim() || null };
}

export function DevicesEditor({ value, onChange, errors, disabled, id }: CustomFieldProps) {
  const { t } = useI18n();
  const devices = Array.isArray(value) ? (value as DeviceValue[]) : [];
  const byRow = rowErrors(errors, 'devices');
  const [shown, setShown] = useState<Record<string, boolean>>({});
  const set = (i: number, patch: Partial<DeviceValue>) => onChange(devices.map((d, j) => (j === i ? { ...d, ...patch } : d)));

  return (
    <div className="devices-editor" id={id} data-testid="devices-editor">
      {byRow[-1] && <RowError id={`${id}-list-error`} message={Object.values(byRow[-1]).join('; ')} />}
      {devices.map((d, i) => {
        const err = byRow[i];
        const pid = `${id}-${i}`;
        const saved = Boolean(d.id);
        return (
          <fieldset key={d.id ?? `new-${i}`} className="device" data-testid={`device-${i}`}>
            <legend>
              {t('device.n', { n: i + 1 })}
              {d.type === 'sip' ? ` · ${t('device.sip')}` : ` · ${t('device.external')}`}
            </legend>
            <div className="device__grid">
              <div className="field">
                <label htmlFor={`${pid}-type`}>{t('device.type')}</label>
                <select
                  id={`${pid}-type`}
                  value={d.type}
                  disabled={disabled || saved}
                  title={saved ? t('device.typeFixed') : undefined}
                  onChange={(e) => {
                    const fresh = newDevice(e.target.value === 'external' ? 'external' : 'sip');
                    onChange(devices.map((x, j) => (j === i ? { ...fresh, ring_time: x.ring_time, enabled: x.enabled } : x)));
                  }}
                >
                  <option value="sip">{t('device.sip')}</option>
                  <option value="external">{t('device.external')}</option>
                </select>
                <RowError id={`${pid}-type-error`} message={errorAt(err, 'type')} />
              </div>
              {d.type === 'sip' ? (
                <>
                  <div className="field">
                    <label htmlFor={`${pid}-username`}>{t('device.username')}</label>
                    <input
                      id={`${pid}-username`}
                      className="mono"
                      readOnly
                      value={d.username ?? ''}
                      placeholder={t('device.usernameLater')}
                      data-testid={`sip-username-${i}`}
                    />
                    <RowError id={`${pid}-username-error`} message={errorAt(err, 'username')} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${pid}-password`}>{t('device.password')}</label>
                    <div className="inline">
                      <input
                        id={`${pid}-password`}
                        className="mono"
                        type={shown[d.id ?? `new-${i}`] || !d.password ? 'text' : 'password'}
                        autoComplete="new-password"
                        spellCheck={false}
                        value={d.password ?? ''}
                        placeholder={saved ? t('device.passwordKeep') : t('device.passwordLater')}
                        disabled={disabled}
                        aria-invalid={errorAt(err, 'password') ? true : undefined}
                        data-testid={`sip-password-${i}`}
                        onChange={(e) => set(i, { password: e.target.value })}
                      />
                      {d.password && (
                        <button type="button" onClick={() => setShown((m) => ({ ...m, [d.id ?? `new-${i}`]: !m[d.id ?? `new-${i}`] }))}>
                          {shown[d.id ?? `new-${i}`] ? t('device.hidePassword') : t('device.showPassword')}
                        </button>
                      )}
                      <button
                        type="button"
                        disabled={disabled}
                        onClick={() => {
                          setShown((m) => ({ ...m, [d.id ?? `new-${i}`]: true }));
                          set(i, { password: generatePassword() });
                        }}
                      >
                        {t('device.generate')}
                      </button>
                    </div>
                    <RowError id={`${pid}-password-error`} message={errorAt(err, 'password')} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${pid}-networks`}>{t('device.allowedNetworks')}</label>
                    <ListInput
                      id={`${pid}-networks`}
                      className="mono"
                      placeholder="10.0.0.0/8, 192.168.1.0/24"
                      value={d.allowed_networks ?? []}
                      disabled={disabled}
                      aria-invalid={errorAt(err, 'allowed_networks') ? true : undefined}
                      onChange={(v) => set(i, { allowed_networks: v })}
                    />
                    <RowError id={`${pid}-networks-error`} message={errorAt(err, 'allowed_networks')} />
                  </div>
                  <div className="field">
                    <label className="check">
                      <input type="checkbox" checked={d.nat ?? true} disabled={disabled} onChange={(e) => set(i, { nat: e.target.checked })} />
                      <span>{t('device.nat')}</span>
                    </label>
                  </div>
                </>
              ) : (
                <div className="field">
                  <label htmlFor={`${pid}-number`}>{t('device.number')}</label>
                  <input
                    id={`${pid}-number`}
                    type="tel"
                    className="mono"
                    placeholder="+79161234567"
                    value={d.number ?? ''}
                    disabled={disabled}
                    aria-invalid={errorAt(err, 'number') ? true : undefined}
                    onChange={(e) => set(i, { number: e.target.value })}
                  />
                  <RowError id={`${pid}-number-error`} message={errorAt(err, 'number')} />
                </div>
              )}
              <div className="field">
                <label htmlFor={`${pid}-ring`}>{t('device.ringTime')}</label>
                <input
                  id={`${pid}-ring`}
                  type="number"
                  min={5}
                  max={600}
                  value={d.ring_time ?? ''}
                  disabled={disabled}
                  aria-invalid={errorAt(err, 'ring_time') ? true : undefined}
                  onChange={(e) => set(i, { ring_time: e.target.value === '' ? null : Number(e.target.value) })}
                />
                <RowError id={`${pid}-ring-error`} message={errorAt(err, 'ring_time')} />
              </div>
              <div className="field">
                <label htmlFor={`${pid}-fwd`}>{t('device.forward')}</label>
                <select
                  id={`${pid}-fwd`}
                  value={d.forward?.mode ?? 'none'}
                  disabled={disabled}
                  onChange={(e) => set(i, { forward: { mode: e.target.value, target: d.forward?.target ?? null } })}
                >
                  {FORWARD_MODES.map((m) => (
                    <option key={m} value={m}>
                      {t(`forward.${m}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </div>
              {(d.forward?.mode ?? 'none') !== 'none' && (
                <div className="field">
                  <label htmlFor={`${pid}-fwd-target`}>{t('device.forwardTarget')}</label>
                  <input
                    id={`${pid}-fwd-target`}
                    type="tel"
                    className="mono"
                    value={d.forward?.target ?? ''}
                    disabled={disabled}
                    aria-invalid={errorAt(err, 'forward') ? true : undefined}
                    onChange={(e) => set(i, { forward: { mode: d.forward?.mode ?? 'none', target: e.target.value } })}
                  />
                  <RowError id={`${pid}-fwd-error`} message={errorAt(err, 'forward')} />
                </div>
              )}
              <div className="field">
                <label className="check">
                  <input
                    type="checkbox"
                    checked={d.enabled ?? true}
                    disabled={disabled}
                    onChange={(e) => set(i, { enabled: e.target.checked })}
                  />
                  <span>{t('device.enabled')}</span>
                </label>
              </div>
            </div>
            <RestErrors errors={err} shown={['type', 'username', 'password', 'allowed_networks', 'number', 'ring_time', 'forward']} />
            {devices.length > 1 && (
              <button type="button" className="link-button" disabled={disabled} onClick={() => onChange(devices.filter((_, j) => j !== i))}>
                {t('device.remove', { n: i + 1 })}
              </button>
            )}
          </fieldset>
        );
      })}
      {devices.length < MAX_DEVICES && (
        <div className="inline">
          <button type="button" disabled={disabled} onClick={() => onChange([...devices, newDevice('sip')])}>
            {t('device.addSip')}
          </button>
          <button type="button" disabled={disabled} onClick={() => onChange([...devices, newDevice('external')])}>
            {t('device.addExternal')}
          </button>
        </div>
      )}
    </div>
  );
}

/** The SIP accounts of a saved extension, ready to type into a phone. */
export function SipCredentials({ devices, client }: { devices: DeviceValue[]; client?: ApiClient }) {
  const { t } = useI18n();
  const sip = devices.filter((d) => d.type === 'sip' && d.username);
  if (sip.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="sip-credentials-title" data-testid="sip-credentials">
      <h2 id="sip-credentials-title">{t('device.credentials')}</h2>
      <p className="muted">{t('device.credentialsHint')}</p>
      {client && <SipServer client={client} />}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('device.username')}</th>
            <th scope="col">{t('device.password')}</th>
            <th scope="col">{t('device.enabled')}</th>
          </tr>
        </thead>
        <tbody>
          {sip.map((d, i) => (
            <tr key={d.id ?? i}>
              <td>{devices.indexOf(d) + 1}</td>
              <td className="mono" data-testid="credential-username">
                {d.username}
              </td>
              <td>{d.password ? <Secret value={d.password} testId="credential-password" /> : <span className="muted">{t('device.passwordHidden')}</span>}</td>
              <td>{d.enabled === false ? '—' : '✓'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface SipServerAddress {
  host: string | null;
  port: number;
  transport: string;
}

/** The address phones register at (GET /api/sip-server). */
export function SipServer({ client }: { client: ApiClient }) {
  const { t } = useI18n();
  const server = useCached<SipServerAddress>(client, '/api/sip-server');
  if (!server.data) return null;
  const { host, port, transport } = server.data;
  return (
    <dl className="facts sip-server" data-testid="sip-server">
      <dt>{t('sip.server')}</dt>
      <dd className="mono" data-testid="sip-server-host">
        {host ?? window.location.hostname}
      </dd>
      <dt>{t('sip.port')}</dt>
      <dd className="mono">{port}</dd>
      <dt>{t('sip.transport')}</dt>
      <dd className="mono">{transport.toUpperCase()}</dd>
    </dl>
  );
}
