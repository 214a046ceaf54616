import { LANGUAGE_NAMES, LANGUAGES, isLang, useI18n } from '../i18n';

export function LanguageSwitcher() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switcher">
      <span className="visually-hidden">{t('lang.label')}</span>
      <select
        aria-label={t('lang.label')}
        value={lang}
        onChange={(e) => isLang(e.target.value) && setLang(e.target.value)}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
