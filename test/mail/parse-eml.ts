/**
 * Just enough of RFC 5322 / MIME to read back what nodemailer writes for a plain-text message:
 * unfolded headers with encoded words decoded, and the body with its transfer encoding undone.
 * Deliberately separate code from nodemailer's, so a test does not check nodemailer with itself.
 */
export interface ParsedMail {
  /** Lower-case header name → decoded values, in order. */
  headers: Map<string, string[]>;
  header(name: string): string | undefined;
  text: string;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?') // whitespace between adjacent encoded words is not content
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

function decodeQuotedPrintable(body: string): string {
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export function parseEml(raw: string): ParsedMail {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('Not an RFC 5322 message: no blank line after the headers.');
  const headers = new Map<string, string[]>();
  const unfolded = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Not a header line: ${line}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), decodeWords(line.slice(colon + 1).trim())]);
  }
  const header = (name: string) => headers.get(name.toLowerCase())?.[0];
  const body = raw.slice(split + 4);
  const encoding = (header('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { headers, header, text: text.replace(/\r\n/g, '\n') };
}
