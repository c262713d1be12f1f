/**
 * The HTTPS transport both vSphere APIs ride on (SOAP at /sdk, tagging REST at /rest): one request with
 * a bounded wait, a keep-alive agent per client, and a refused certificate explained.
 */
import * as https from "node:https";

const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** A TLS refusal of the server's certificate, with the two ways out; undefined for other errors. */
export function untrustedCertificate(error: NodeJS.ErrnoException, host: string): Error | undefined {
  if (!error.code || !CERTIFICATE_CODES.has(error.code)) return undefined;
  return new Error(
    `the certificate of ${host} is not trusted (${error.message}): trust its CA (NODE_EXTRA_CA_CERTS=<ca.pem>), or, for a self-signed certificate, set vsphere:allowUnverifiedSsl (or VSPHERE_ALLOW_UNVERIFIED_SSL) to true`,
  );
}

/** A keep-alive agent; `allowUnverifiedSsl` accepts a self-signed certificate (`vsphere:allowUnverifiedSsl`). */
export function vsphereAgent(allowUnverifiedSsl: boolean, maxSockets: number): https.Agent {
  return new https.Agent({ keepAlive: true, rejectUnauthorized: !allowUnverifiedSsl, maxSockets });
}

export interface HttpsAnswer {
  status: number;
  text: string;
  setCookie?: string[];
}

export interface HttpsRequest {
  method: string;
  headers: Record<string, string | number>;
  body?: string;
  timeoutMs: number;
  /** What the call is, for the timeout message (`vSphere tagging GET /tagging/tag`). */
  label: string;
}

/** One request; resolves with any HTTP status, rejects on a network error, a refused certificate or the timeout. */
export function httpsCall(agent: https.Agent, url: URL, request: HttpsRequest): Promise<HttpsAnswer> {
  const headers = { ...request.headers };
  if (request.body !== undefined) headers["Content-Length"] = Buffer.byteLength(request.body);
  return new Promise((resolve, reject) => {
    const call = https.request(
      url,
      { method: request.method, agent, headers, timeout: request.timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            setCookie: response.headers["set-cookie"],
          }),
        );
        response.on("error", reject);
      },
    );
    call.on("timeout", () => call.destroy(new Error(`${request.label} timed out after ${request.timeoutMs} ms`)));
    call.on("error", (e: NodeJS.ErrnoException) => reject(untrustedCertificate(e, url.host) ?? e));
    call.end(request.body);
  });
}
