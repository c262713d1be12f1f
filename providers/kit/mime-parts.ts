/**
 * The leaf parts of user data that is already a MIME message, each kept byte for byte, so Machina can
 * put them into its own multipart side by side with its parts instead of nesting one multipart in
 * another (cloud-init's parser ends the outer message at the inner closing boundary when they share
 * one). Mail parsers decode and normalise parts; here the header lines (cloud-init's `Merge-Type`
 * among them) and the encoded body must survive unchanged, hence this small reader.
 */

/** One MIME entity as written: its header lines (folded continuations kept) and its body. */
export interface MimeEntity {
  headerLines: string[];
  body: string;
}

const FIELD_NAME = /^[!-9;-~]+:/;

/**
 * Whether cloud-init reads `text` as a MIME message: it does when "mime-version:" occurs in the first
 * 4096 bytes; a text whose first line is no header field (a `#cloud-config`) it reads as one text part.
 */
export function isMimeMessage(text: string): boolean {
  const head = Buffer.from(text, "utf8").subarray(0, 4096).toString("latin1").toLowerCase();
  return head.includes("mime-version:") && FIELD_NAME.test(text);
}

/** Splits an entity at the blank line (or the first line that is no header field) after its headers. */
export function parseEntity(text: string): MimeEntity {
  const lines = text.split("\n");
  const headerLines: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line === "") {
      i++;
      break;
    }
    const continuation = /^[ \t]/.test(line) && headerLines.length > 0;
    if (!continuation && !FIELD_NAME.test(line)) break;
    headerLines.push(lines[i]);
  }
  return { headerLines, body: lines.slice(i).join("\n") };
}

/** The unfolded value of a header field, or undefined. */
export function headerValue(entity: MimeEntity, name: string): string | undefined {
  const unfolded: string[] = [];
  for (const line of entity.headerLines) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else unfolded.push(line.replace(/\r$/, ""));
  }
  const prefix = `${name.toLowerCase()}:`;
  const found = unfolded.find((l) => l.toLowerCase().startsWith(prefix));
  return found?.slice(prefix.length).trim();
}

/** The media type of an entity, lower case, `text/plain` when it names none (as MIME says). */
export function contentType(entity: MimeEntity): string {
  return (headerValue(entity, "Content-Type") ?? "text/plain").split(";")[0].trim().toLowerCase();
}

function boundaryOf(entity: MimeEntity): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(headerValue(entity, "Content-Type") ?? "");
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * The bodies between the delimiter lines of a multipart body (RFC 2046: the line break before a
 * delimiter belongs to it); the preamble and the epilogue are dropped. Without a closing delimiter the
 * last part runs to the end, as Python's email parser (cloud-init's) reads it.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split("\n")) {
    const bare = line.replace(/[ \t\r]+$/, "");
    if (bare === delimiter || bare === `${delimiter}--`) {
      if (current) parts.push(current.join("\n").replace(/\r$/, ""));
      if (bare !== delimiter) return parts;
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join("\n"));
  return parts;
}

/** The non-multipart entities of a MIME message, nested multiparts flattened, in order. */
export function leafEntities(text: string): MimeEntity[] {
  const entity = parseEntity(text);
  const boundary = boundaryOf(entity);
  if (!contentType(entity).startsWith("multipart/") || boundary === undefined) return [entity];
  const parts = splitMultipart(entity.body, boundary);
  // A multipart without its delimiters is kept whole: cloud-init skips it, as it would without Machina.
  return parts.length === 0 ? [entity] : parts.flatMap((part) => leafEntities(part));
}

/** The entity as text again: its header lines, a blank line, its body. */
export function entityText(entity: MimeEntity): string {
  return [...entity.headerLines, "", entity.body].join("\n");
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The entity with a body of 8-bit text re-encoded as base64 (76-column lines), any other unchanged:
 * cloud-init hands Python's email parser a str, whose decoding turns every non-ASCII character of an
 * unencoded part into garbage (measured with Debian's cloud-init 22.4: "unacceptable character #xdce9").
 */
export function sevenBit(entity: MimeEntity): MimeEntity {
  const encoding = (headerValue(entity, "Content-Transfer-Encoding") ?? "7bit").toLowerCase();
  if (!["7bit", "8bit"].includes(encoding) || !NON_ASCII.test(entity.body)) return entity;
  const base64 = Buffer.from(entity.body, "utf8").toString("base64");
  return {
    headerLines: [
      ...entity.headerLines.filter((l) => !/^content-transfer-encoding:/i.test(l)),
      "Content-Transfer-Encoding: base64",
    ],
    body: `${base64.replace(/.{76}/g, "$&\n").replace(/\n$/, "")}\n`,
  };
}
