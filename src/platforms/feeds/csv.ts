// RFC 4180 records, read leniently as spreadsheets export them: quoted fields with commas, quotes
// and line breaks, CRLF or LF, a stray quote inside an unquoted field kept as text. The delimiter is
// taken from the header line (some locales export ";").

import { FeedError } from './errors.js';

export interface CsvLimits {
  maxRecords: number;
  maxFieldChars: number;
}

export function parseCsv(text: string, limits: CsvLimits): string[][] {
  const delimiter = sniffDelimiter(text);
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    // Blank lines are no records.
    if (record.length > 1 || record[0] !== '') {
      if (records.length >= limits.maxRecords)
        throw new FeedError('too-many', `the CSV has more than ${limits.maxRecords} records`, { limit: limits.maxRecords });
      records.push(record);
    }
    record = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      endField();
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
    if (field.length > limits.maxFieldChars)
      throw new FeedError('too-large', `a CSV field is longer than ${limits.maxFieldChars} characters`, { limit: limits.maxFieldChars });
  }
  if (quoted) throw new FeedError('truncated', 'the CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

function sniffDelimiter(text: string): string {
  const nl = text.indexOf('\n');
  const header = text.slice(0, nl < 0 ? Math.min(text.length, 4096) : Math.min(nl, 4096));
  if (header.includes(',')) return ',';
  if (header.includes(';')) return ';';
  if (header.includes('\t')) return '\t';
  return ',';
}
