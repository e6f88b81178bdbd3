import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

/**
 * A `fetch` that verifies HTTPS servers against the given CA certificates only (an org's TLS CA
 * instead of the system roots), optionally presenting a client certificate. Verification is never
 * turned off: a server whose certificate does not chain to one of the CAs, or does not name the
 * host, is refused.
 */
export function fetchTrusting(caPems: readonly string[], client?: { cert: string; key: string }): typeof fetch {
  if (caPems.length === 0 && client === undefined) return fetch;
  const dispatcher = new Agent({
    connect: { ...(caPems.length === 0 ? {} : { ca: [...caPems] }), ...(client === undefined ? {} : client) },
  });
  return (input, init) => fetch(input, Object.assign({ dispatcher }, init));
}

/** {@link fetchTrusting} with the CA certificates read from PEM files. */
export function fetchTrustingFiles(caPaths: readonly string[], client?: { certPath: string; keyPath: string }): typeof fetch {
  return fetchTrusting(
    caPaths.map((path) => readFileSync(path, 'utf8')),
    client === undefined ? undefined : { cert: readFileSync(client.certPath, 'utf8'), key: readFileSync(client.keyPath, 'utf8') },
  );
}
