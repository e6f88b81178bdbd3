import { buildOpenApi } from '../openapi';
import type { AnyRoute } from '../route';
import { dataRoutes } from './data';
import { eventRoutes } from './events';
import { evidenceRoutes } from './evidence';
import { lookupRoutes } from './lookup';
import { marketRoutes } from './market';
import { modelRoutes } from './models';
import { outputRoutes } from './outputs';
import { providerRoutes } from './providers';
import { publicRoutes } from './public';
import { revenueRoutes } from './revenue';
import { rightsRoutes } from './rights';
import { systemRoutes } from './system';
import { termsRoutes } from './terms';

/** Every route of the API, and the OpenAPI document built from them. */
export function allRoutes(): { routes: readonly AnyRoute[]; openApi: Record<string, unknown> } {
  let document: Record<string, unknown> = {};
  const routes: AnyRoute[] = [
    ...systemRoutes(() => document),
    ...termsRoutes,
    ...providerRoutes,
    ...dataRoutes,
    ...modelRoutes,
    ...outputRoutes,
    ...rightsRoutes,
    ...revenueRoutes,
    ...marketRoutes,
    ...eventRoutes,
    ...lookupRoutes,
    ...publicRoutes,
    ...evidenceRoutes,
  ];
  document = buildOpenApi(routes, {
    title: 'Kiseki gateway API',
    version: '1.0.0',
    description: "An org's REST gateway to the Kiseki ledger: provenance of training data, models and outputs; rights and royalties.",
  });
  return { routes, openApi: document };
}
