// Italian's strings, one chunk fetched by web/src/i18n.ts only when Italian is shown.
export default import.meta.glob<Record<string, unknown>>('../locales/it/*.json', {
  eager: true,
  import: 'default',
});
