// A document split into passages of a few sentences: what retrieval ranks and what a prompt shows. Long PDFs
// become many passages, so the one about returns is found without sending the whole file to the model.

/** Target size of a passage; a single longer sentence is cut at a word boundary. */
export const PASSAGE_CHARS = 700;

export function splitIntoPassages(text: string, size = PASSAGE_CHARS): string[] {
  const out: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim()) out.push(current.trim());
    current = '';
  };
  for (const paragraph of text.split(/\n{2,}/)) {
    for (const piece of sentencesOf(paragraph)) {
      for (const part of cut(piece, size)) {
        if (current && current.length + part.length + 1 > size) flush();
        current = current ? `${current}${current.endsWith('\n') ? '' : ' '}${part}` : part;
      }
    }
    // Paragraphs stay together when they fit; a new one starts on its own line.
    if (current.length > size / 2) flush();
    else if (current) current += '\n';
  }
  flush();
  return out;
}

function sentencesOf(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?])\s+(?=\S)|\n/).map((s) => s.trim()).filter(Boolean);
}

function cut(sentence: string, size: number): string[] {
  if (sentence.length <= size) return [sentence];
  const parts: string[] = [];
  let rest = sentence;
  while (rest.length > size) {
    const at = rest.lastIndexOf(' ', size);
    const end = at > size / 2 ? at : size;
    parts.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}
