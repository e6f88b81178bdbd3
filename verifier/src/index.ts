/**
 * Kiseki's offline verifier. The checks take a {@link VerifierCrypto} (node-crypto.ts in Node,
 * {@link webCrypto} in a browser) and use no Node-only API, so a web page can run them as they are.
 */
export * from './bundle';
export * from './bytes';
export * from './credentials';
export * from './crypto';
export * from './fabric';
export * from './merkle';
export * from './policy';
export * from './report';
export * from './verify';
export * from './x509';
