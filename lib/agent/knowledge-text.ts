// Turning an uploaded knowledge file into plain text: Markdown and plain text decoded (UTF-8, else
// Windows-1252 as Excel and old editors write), PDF read with Mozilla's PDF.js (`pdfjs-dist`, the library
// Firefox renders PDFs with: maintained, no native code needed for text). Every refusal is a
// KnowledgeFileError with words a merchant can act on; nothing is stored until the text is complete.
import { getDocument, PasswordException } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Uploads larger than this are refused before reading (the API also bounds the body). */
export const MAX_KNOWLEDGE_FILE_BYTES = 5 * 1024 * 1024;
/** A document's text beyond this is refused: split it, or the prompt would only ever see its beginning. */
export const MAX_DOCUMENT_CHARS = 60_000;
/** PDFs with more pages than this are refused (a policy is a few pages; a catalog PDF is not knowledge). */
export const MAX_PDF_PAGES = 60;

export type KnowledgeFormat = 'pdf' | 'markdown' | 'text';

export class KnowledgeFileError extends Error {
  constructor(
    readonly statusCode: 413 | 415 | 422,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'KnowledgeFileError';
  }
}

/** The file's format from its bytes first (a PDF starts with %PDF-), then its type and name. */
export function knowledgeFormat(file: { bytes: Uint8Array; contentType: string | null; fileName: string }): KnowledgeFormat {
  const head = Buffer.from(file.bytes.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return 'pdf';
  const type = (file.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const name = file.fileName.toLowerCase();
  if (type === 'application/pdf' || name.endsWith('.pdf')) return 'pdf';
  if (type === 'text/markdown' || type === 'text/x-markdown' || /\.(md|markdown)$/.test(name)) return 'markdown';
  if (type === 'text/plain' || name.endsWith('.txt')) return 'text';
  throw new KnowledgeFileError(415, 'Upload a Markdown (.md), plain text (.txt) or PDF (.pdf) file.', 'unsupported_file_type');
}

export interface ExtractedText {
  format: KnowledgeFormat;
  text: string;
  /** PDFs only. */
  pages: number | null;
}

export async function extractKnowledgeText(file: { bytes: Uint8Array; contentType: string | null; fileName: string }): Promise<ExtractedText> {
  if (file.bytes.byteLength === 0) throw new KnowledgeFileError(422, 'The file is empty.', 'empty_file');
  if (file.bytes.byteLength > MAX_KNOWLEDGE_FILE_BYTES) {
    throw new KnowledgeFileError(413, `The file is larger than ${MAX_KNOWLEDGE_FILE_BYTES / 1024 / 1024} MB.`, 'file_too_large');
  }
  const format = knowledgeFormat(file);
  const extracted = format === 'pdf' ? await pdfText(file.bytes) : { text: decodeText(file.bytes), pages: null };
  const text = tidy(format === 'markdown' ? markdownToText(extracted.text) : extracted.text);
  if (text.length === 0) {
    throw new KnowledgeFileError(
      422,
      format === 'pdf' ? 'No text could be read from this PDF (a scanned image?). Upload a PDF with selectable text, or paste the text.' : 'The file has no text.',
      'no_text',
    );
  }
  if (text.length > MAX_DOCUMENT_CHARS) {
    throw new KnowledgeFileError(422, `The text is ${text.length.toLocaleString('en')} characters long; at most ${MAX_DOCUMENT_CHARS.toLocaleString('en')} fit one document. Split it into several.`, 'text_too_long');
  }
  return { format, text, pages: extracted.pages };
}

/** UTF-8 when the bytes are valid UTF-8, else Windows-1252; a BOM is dropped. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  // PDF.js takes ownership of the buffer it is given: pass a copy so the caller's bytes stay intact.
  const task = getDocument({
    data: new Uint8Array(bytes),
    // Text only: no font loading, no system fonts, no console noise.
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      if (err instanceof PasswordException) throw new KnowledgeFileError(422, 'This PDF is password-protected; upload a copy without a password.', 'pdf_encrypted');
      throw new KnowledgeFileError(422, 'This file could not be read as a PDF.', 'pdf_unreadable');
    });
    if (doc.numPages > MAX_PDF_PAGES) {
      throw new KnowledgeFileError(422, `This PDF has ${doc.numPages} pages; at most ${MAX_PDF_PAGES} are read. Upload the policy pages only.`, 'pdf_too_many_pages');
    }
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      pages.push(text);
      page.cleanup();
    }
    return { text: pages.join('\n\n'), pages: doc.numPages };
  } finally {
    await task.destroy();
  }
}

/** Markdown as the model should read it: headings and lists kept as lines, markup and link targets dropped. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n([\s\S]*?)```/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '')
    .replace(/^[ \t]{0,3}>[ \t]?/gm, '')
    .replace(/^[ \t]*[-*+][ \t]+/gm, '- ')
    .replace(/^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}

/** Line endings unified, control characters and runs of spaces removed, at most one blank line in a row. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
