/** File types as Slack reports them, sniffed from the name. */
const FILE_TYPES: Record<string, [filetype: string, pretty: string, mime: string]> = {
  txt: ['text', 'Plain Text', 'text/plain'],
  text: ['text', 'Plain Text', 'text/plain'],
  log: ['text', 'Plain Text', 'text/plain'],
  md: ['markdown', 'Markdown (raw)', 'text/markdown'],
  csv: ['csv', 'CSV', 'text/csv'],
  json: ['json', 'JSON', 'application/json'],
  html: ['html', 'HTML', 'text/html'],
  xml: ['xml', 'XML', 'application/xml'],
  png: ['png', 'PNG', 'image/png'],
  jpg: ['jpg', 'JPEG', 'image/jpeg'],
  jpeg: ['jpg', 'JPEG', 'image/jpeg'],
  gif: ['gif', 'GIF', 'image/gif'],
  webp: ['webp', 'WebP', 'image/webp'],
  svg: ['svg', 'SVG', 'image/svg+xml'],
  pdf: ['pdf', 'PDF', 'application/pdf'],
  zip: ['zip', 'Zip', 'application/zip'],
  doc: ['doc', 'Word Document', 'application/msword'],
  docx: [
    'docx',
    'Word Document',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ],
  xlsx: [
    'xlsx',
    'Excel Spreadsheet',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ],
  pptx: [
    'pptx',
    'PowerPoint Presentation',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ],
  mp4: ['mp4', 'MPEG 4 Video', 'video/mp4'],
  mp3: ['mp3', 'MP3', 'audio/mpeg'],
};

/** Slack sniffs the type from the name; so do we, trusting a given mimetype first. */
export function fileTypeOf(
  name: string,
  mimetype?: string,
): { filetype: string; pretty_type: string; mimetype: string } {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  const known = FILE_TYPES[ext];
  if (known) return { filetype: known[0], pretty_type: known[1], mimetype: mimetype || known[2] };
  const byMime = Object.values(FILE_TYPES).find(([, , m]) => m === mimetype);
  if (byMime) return { filetype: byMime[0], pretty_type: byMime[1], mimetype: byMime[2] };
  return {
    filetype: 'binary',
    pretty_type: 'Binary',
    mimetype: mimetype || 'application/octet-stream',
  };
}
