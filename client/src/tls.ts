import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

/**
 * A `fetch` for an HTTPS gateway whose certificate comes from its org's TLS CA: the server is verified
 * against these CA certificates only (never unverified), and a client certificate is presented when
 * the gateway asks for one (mutual TLS).
 */
export function fetchTrusting(options: {
  /** PEM files of the CAs to trust (the org's TLS CA). */
  caCertPaths?: readonly string[];
  /** The client certificate and key (PEM files) for a gateway that requires mutual TLS. */
  clientCertPath?: string;
  clientKeyPath?: string;
}): typeof fetch {
  const ca = (options.caCertPaths ?? []).map((path) => readFileSync(path, 'utf8'));
  const client =
    options.clientCertPath === undefined || options.clientKeyPath === undefined
      ? {}
      : { cert: readFileSync(options.clientCertPath, 'utf8'), key: readFileSync(options.clientKeyPath, 'utf8') };
  const dispatcher = new Agent({ connect: { ...(ca.length === 0 ? {} : { ca }), ...client } });
  return (input, init) => fetch(input, Object.assign({ dispatcher }, init));
}
