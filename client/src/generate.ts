#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

/**
 * Generates `src/schema.ts` (the API's types) from the OpenAPI document a gateway serves. The document
 * comes from a running gateway (`--url http://…/v1/openapi.json`), a file, or by default from the built
 * gateway's route declarations, which are exactly what every gateway serves. A unit test regenerates it
 * and compares, so the client never drifts from the API.
 */

const HEADER = "/* Generated from the gateway's OpenAPI document by `npm run generate -w client`; do not edit. */\n";

/** The TypeScript source of the API's types. */
export async function generateSchema(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0], { alphabetize: true });
  return HEADER + astToString(ast);
}

async function loadDocument(args: string[]): Promise<Record<string, unknown>> {
  const at = args.indexOf('--url');
  if (at >= 0 && args[at + 1] !== undefined) {
    const res = await fetch(args[at + 1] as string);
    if (!res.ok) throw new Error(`GET ${String(args[at + 1])}: ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }
  const file = args.find((a) => !a.startsWith('--'));
  if (file !== undefined) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const routes = require(path.join(__dirname, '..', '..', 'gateway', 'dist', 'http', 'routes')) as {
    allRoutes(): { openApi: Record<string, unknown> };
  };
  return routes.allRoutes().openApi;
}

async function main(): Promise<void> {
  const source = await generateSchema(await loadDocument(process.argv.slice(2)));
  const target = path.join(__dirname, '..', 'src', 'schema.ts');
  writeFileSync(target, source);
  process.stdout.write(`wrote ${target}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
