import { describe, expect, it } from 'vitest';
import { DEFAULT_LANG, dictionaries, isLang, translate, type Dictionary } from './i18n';

describe('translate', () => {
  it('defaults to English and translates into Russian', () => {
    expect(DEFAULT_LANG).toBe('en');
    expect(translate('en', 'login.submit')).toBe('Sign in');
    expect(translate('ru', 'login.submit')).toBe('Войти');
  });

  it('falls back to English for a key the language lacks', () => {
    const dicts: Record<string, Dictionary> = {
      en: { 'login.submit': 'Sign in', 'header.logout': 'Log out' },
      ru: { 'login.submit': 'Войти' },
    };
    expect(translate('ru', 'login.submit', undefined, dicts)).toBe('Войти');
    expect(translate('ru', 'header.logout', undefined, dicts)).toBe('Log out');
  });

  it('falls back to English for an unknown language, and to the key for an unknown key', () => {
    expect(translate('de', 'login.submit')).toBe('Sign in');
    expect(translate('ru', 'no.such.key')).toBe('no.such.key');
  });

  it('fills {placeholders} and leaves unknown ones alone', () => {
    expect(translate('en', 'tenants.count', { shown: 2, total: 10 })).toBe('2 of 10');
    expect(translate('ru', 'port.key', { key: '5' })).toBe('клавиша 5');
    expect(translate('en', 'header.signedInAs', { login: 'ann' })).toBe('Signed in as ann ({role})');
  });

  it('has a Russian message for every English key, with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const en = dictionaries.en as Record<string, string>;
    const ru = dictionaries.ru as Record<string, string>;
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
  });

  it('recognises only supported languages', () => {
    expect(isLang('ru')).toBe(true);
    expect(isLang('fr')).toBe(false);
    expect(isLang(undefined)).toBe(false);
  });
});
