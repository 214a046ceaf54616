// A tiny i18n module: one dictionary per language, English is the reference
// (every key must exist there) and the fallback for keys another language lacks.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

const en = {
  'app.name': 'pbxflow',
  'lang.label': 'Language',
  'nav.tenants': 'Tenants',
  'nav.routing': 'Routing',
  'nav.main': 'Main navigation',
  'login.title': 'Sign in',
  'login.login': 'Login',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.expired': 'Your session has ended. Please sign in again.',
  'header.signedInAs': 'Signed in as {login} ({role})',
  'header.logout': 'Log out',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'common.error': 'Something went wrong',
  'tenants.title': 'Tenants',
  'tenants.empty': 'No tenants.',
  'tenants.count': '{shown} of {total}',
  'tenants.select': 'Select a tenant to see its extensions.',
  'tenants.code': 'Code',
  'tenants.timezone': 'Time zone',
  'extensions.title': 'Extensions of {tenant}',
  'extensions.empty': 'This tenant has no extensions yet.',
  'extensions.number': 'Number',
  'extensions.name': 'Name',
  'extensions.devices': 'Devices',
  'device.sip': 'SIP',
  'device.external': 'External',
  'device.showPassword': 'Show password',
  'device.hidePassword': 'Hide password',
  'routing.title': 'Routing',
  'routing.hint': 'Preview of the call-flow editor: drag nodes, connect an output to an input.',
  'node.entry': 'Entry',
  'node.dial': 'Dial extension',
  'node.ivr': 'Voice menu',
  'node.hangup': 'Hang up',
  'port.next': 'next',
  'port.answered': 'answered',
  'port.no_answer': 'no answer',
  'port.busy': 'busy',
  'port.unavailable': 'unavailable',
  'port.invalid': 'invalid key',
  'port.timeout': 'timeout',
  'port.key': 'key {key}',
  'notFound.title': 'Page not found',
  'notFound.back': 'Back to tenants',
} as const;

export type MessageKey = keyof typeof en;
export type Dictionary = Partial<Record<MessageKey, string>>;

const ru: Dictionary = {
  'app.name': 'pbxflow',
  'lang.label': 'Язык',
  'nav.tenants': 'Клиенты',
  'nav.routing': 'Маршрутизация',
  'nav.main': 'Основная навигация',
  'login.title': 'Вход',
  'login.login': 'Логин',
  'login.password': 'Пароль',
  'login.submit': 'Войти',
  'login.submitting': 'Вход…',
  'login.expired': 'Сеанс завершён. Войдите снова.',
  'header.signedInAs': 'Вы вошли как {login} ({role})',
  'header.logout': 'Выйти',
  'common.loading': 'Загрузка…',
  'common.retry': 'Повторить',
  'common.error': 'Что-то пошло не так',
  'tenants.title': 'Клиенты',
  'tenants.empty': 'Клиентов нет.',
  'tenants.count': '{shown} из {total}',
  'tenants.select': 'Выберите клиента, чтобы увидеть его внутренние номера.',
  'tenants.code': 'Код',
  'tenants.timezone': 'Часовой пояс',
  'extensions.title': 'Внутренние номера: {tenant}',
  'extensions.empty': 'У клиента пока нет внутренних номеров.',
  'extensions.number': 'Номер',
  'extensions.name': 'Имя',
  'extensions.devices': 'Устройства',
  'device.sip': 'SIP',
  'device.external': 'Внешний',
  'device.showPassword': 'Показать пароль',
  'device.hidePassword': 'Скрыть пароль',
  'routing.title': 'Маршрутизация',
  'routing.hint': 'Предпросмотр редактора сценариев: перетаскивайте узлы, соединяйте выход со входом.',
  'node.entry': 'Вход',
  'node.dial': 'Вызов номера',
  'node.ivr': 'Голосовое меню',
  'node.hangup': 'Завершить',
  'port.next': 'далее',
  'port.answered': 'ответил',
  'port.no_answer': 'нет ответа',
  'port.busy': 'занято',
  'port.unavailable': 'недоступен',
  'port.invalid': 'неверная клавиша',
  'port.timeout': 'тайм-аут',
  'port.key': 'клавиша {key}',
  'notFound.title': 'Страница не найдена',
  'notFound.back': 'К списку клиентов',
};

export const LANGUAGES = ['en', 'ru'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', ru: 'Русский' };
export const DEFAULT_LANG: Lang = 'en';
export const dictionaries: Record<Lang, Dictionary> = { en, ru };

export type Params = Record<string, string | number>;

/** The message for `key` in `lang`, else in English, else the key itself; `{name}` is replaced from `params`. */
export function translate(
  lang: string,
  key: string,
  params?: Params,
  dicts: Record<string, Dictionary> = dictionaries,
): string {
  const k = key as MessageKey;
  const template = dicts[lang]?.[k] ?? dicts[DEFAULT_LANG]?.[k] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

const STORAGE_KEY = 'pbxflow.lang';

function storedLang(): Lang {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLang(value) ? value : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

export type Translate = (key: MessageKey, params?: Params) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

const I18nContext = createContext<I18n>({
  lang: DEFAULT_LANG,
  setLang: () => {},
  t: (key, params) => translate(DEFAULT_LANG, key, params),
});

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? storedLang());
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* storage unavailable: the choice lasts for this page only */
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, t: (key, params) => translate(lang, key, params) }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
