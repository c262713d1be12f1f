/**
 * The vSphere Web Services (SOAP, vim25) transport: envelopes built and parsed with fast-xml-parser
 * (no string concatenation, so every value is escaped), one session cookie per client, faults
 * turned into typed errors. No Node.js vSphere client is well kept (the npm ones are alpha or
 * unmaintained WSDL wrappers), so this file is the whole protocol layer Machina needs.
 */
import type * as https from "node:https";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { HttpsAnswer } from "./https-call";
import { httpsCall, vsphereAgent } from "./https-call";

/** A managed object reference: `{ type: "VirtualMachine", value: "vm-42" }`. */
export interface MoRef {
  type: string;
  value: string;
}

/**
 * A value as the builder writes it. Objects become child elements in key order (vSphere checks the
 * WSDL's element order, so builders list keys in that order); arrays repeat their element; `$type`
 * becomes `xsi:type` (needed where the WSDL declares a base type, such as a device or an option value)
 * and `$text` the element's text beside it (`{ $type: "xsd:string", $text: "..." }`).
 */
export type SoapValue = string | number | boolean | MoRef | SoapObject | SoapValue[] | undefined;
export interface SoapObject {
  $type?: string;
  [key: string]: SoapValue;
}

/** A typed ManagedObjectReference argument: marks the value as a reference rather than an object. */
export const moRef = (type: string, value: string): MoRef & { $moRef: true } => ({ type, value, $moRef: true });

const isMoRef = (v: unknown): v is MoRef & { $moRef: true } =>
  typeof v === "object" && v !== null && (v as { $moRef?: boolean }).$moRef === true;

/** A SOAP fault: `faultType` is the vim25 fault's name (`InvalidLogin`, `ManagedObjectNotFound`, ...). */
export class SoapFault extends Error {
  constructor(
    readonly method: string,
    readonly faultType: string,
    readonly faultString: string,
    readonly detail: unknown,
  ) {
    super(`vSphere ${method} failed: ${faultType}${faultString ? `: ${faultString}` : ""}`);
    this.name = "SoapFault";
  }
}

const XSI = "http://www.w3.org/2001/XMLSchema-instance";

/** The builder-ready node of one value (attributes under `@_`, text under `#text`). */
function toNode(value: SoapValue): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(toNode);
  if (isMoRef(value)) return { "@_type": value.type, "#text": value.value };
  if (typeof value === "object") {
    const node: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === "$type") node["@_xsi:type"] = child;
      else if (key === "$text") node["#text"] = String(child);
      else if (child !== undefined) node[key] = toNode(child);
    }
    return node;
  }
  return { "#text": String(value) };
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressEmptyNode: false });

/** The request envelope of `method` on `self` with its arguments, in order. */
export function requestEnvelope(method: string, self: MoRef, args: Record<string, SoapValue> = {}): string {
  const body: Record<string, unknown> = {
    "@_xmlns": "urn:vim25",
    _this: { "@_type": self.type, "#text": self.value },
  };
  for (const [key, value] of Object.entries(args)) if (value !== undefined) body[key] = toNode(value);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    builder.build({
      "soapenv:Envelope": {
        "@_xmlns:soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
        "@_xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
        "@_xmlns:xsi": XSI,
        "soapenv:Body": { [method]: body },
      },
    })
  );
}

/** The attribute key of a parsed value's schema type (`xsi:type`, whatever prefix the server used). */
export const XSI_TYPE = "@_xsi:type";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Element prefixes go (`soapenv:Body` is `Body`); attributes keep theirs, since a property value
  // carries both `type` (the referenced object's type) and `xsi:type` (the value's schema type).
  transformTagName: (name) => name.replace(/^[^:]*:/, ""),
  // (vcsim writes the schema-instance prefix as `_XMLSchema-instance`, vCenter as `xsi`: one key for both.)
  transformAttributeName: (name) => (/^@_(?!xmlns)[^:]+:type$/.test(name) ? XSI_TYPE : name),
  // vcsim escapes quotes as numeric references (`&#34;`): decode them with the named ones.
  htmlEntities: true,
  // Names, paths and ids stay text ("007" is a name, not a number): callers convert what is numeric.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** A parsed XML node: text, or an object of child nodes and `@_` attributes. */
export type XmlNode = string | { [key: string]: XmlNode | XmlNode[] | undefined };

/** A parsed node's schema type (`VirtualDisk`), without any namespace prefix. */
export function xsiType(node: unknown): string | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const t = (node as Record<string, unknown>)[XSI_TYPE];
  return typeof t === "string" ? t.replace(/^[^:]*:/, "") : undefined;
}

/** Always a list: one child and many children parse differently. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The text of a node (an element with attributes keeps its text under `#text`). */
export function textOf(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === "string" || typeof node === "number" || typeof node === "boolean") return String(node);
  const text = (node as Record<string, unknown>)["#text"];
  return text === undefined ? "" : String(text);
}

/** A managed object reference as parsed (`<obj type="VirtualMachine">vm-42</obj>`). */
export function moRefOf(node: unknown): MoRef | undefined {
  if (node === undefined || node === null || typeof node !== "object") return undefined;
  const type = (node as Record<string, unknown>)["@_type"];
  const value = textOf(node);
  return typeof type === "string" && value ? { type, value } : undefined;
}

/** The `returnval` of a response body, or the fault it carries. */
export function parseResponse(method: string, xml: string): XmlNode | XmlNode[] | undefined {
  const doc = parser.parse(xml) as Record<string, XmlNode>;
  const body = (doc.Envelope as Record<string, XmlNode> | undefined)?.Body as Record<string, XmlNode> | undefined;
  if (!body) throw new Error(`vSphere ${method}: the answer is not a SOAP envelope: ${xml.slice(0, 200)}`);
  const fault = body.Fault as Record<string, XmlNode> | undefined;
  if (fault) {
    const detail = fault.detail as Record<string, XmlNode> | undefined;
    const detailEntry = detail ? Object.entries(detail).find(([k]) => !k.startsWith("@_")) : undefined;
    const detailNode = detailEntry?.[1] as Record<string, XmlNode> | undefined;
    // The fault's type: the detail element's xsi:type, else its name without the `Fault` suffix.
    const faultType =
      xsiType(detailNode) ?? detailEntry?.[0].replace(/Fault$/, "") ?? textOf(fault.faultcode) ?? "Fault";
    throw new SoapFault(method, faultType, textOf(fault.faultstring) ?? "", detailNode);
  }
  const response = body[`${method}Response`] as Record<string, XmlNode> | undefined;
  return response?.returnval;
}

/** Kept here too: callers (and tests) met it in this module first. */
export { untrustedCertificate } from "./https-call";

export interface SoapClientOptions {
  /** `https://host/sdk` */
  url: string;
  /** Accept a self-signed or otherwise unverifiable certificate (`vsphere:allowUnverifiedSsl`). */
  allowUnverifiedSsl: boolean;
  /** Longest wait for one call. */
  timeoutMs?: number;
}

/** One vim25 endpoint with its session cookie: every call after a login carries it. */
export class SoapClient {
  private cookie: string | undefined;
  private readonly agent: https.Agent;
  constructor(readonly options: SoapClientOptions) {
    this.agent = vsphereAgent(options.allowUnverifiedSsl, 4);
  }

  /** Whether a session cookie is held (a login succeeded and was not dropped). */
  get hasSession(): boolean {
    return this.cookie !== undefined;
  }

  dropSession(): void {
    this.cookie = undefined;
  }

  async call(
    method: string,
    self: MoRef,
    args: Record<string, SoapValue> = {},
  ): Promise<XmlNode | XmlNode[] | undefined> {
    const body = requestEnvelope(method, self, args);
    const { status, text, setCookie } = await this.post(method, body);
    const cookie = setCookie?.map((c) => c.split(";")[0]).find((c) => c.startsWith("vmware_soap_session="));
    if (cookie) this.cookie = cookie;
    if (status >= 400 && !text.includes("Fault>"))
      throw new Error(`vSphere ${method}: HTTP ${status} from ${this.options.url}: ${text.slice(0, 200)}`);
    return parseResponse(method, text);
  }

  private post(method: string, body: string): Promise<HttpsAnswer> {
    return httpsCall(this.agent, new URL(this.options.url), {
      method: "POST",
      headers: {
        "Content-Type": "text/xml; charset=utf-8",
        SOAPAction: "urn:vim25/6.5",
        ...(this.cookie ? { Cookie: this.cookie } : {}),
      },
      body,
      timeoutMs: this.options.timeoutMs ?? 120_000,
      label: `vSphere ${method}`,
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
