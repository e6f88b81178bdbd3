import { exchangeRoutes } from '../../exchange/routes';
import { buildOpenApi } from '../openapi';
import type { AnyRoute } from '../route';
import { auditRoutes } from './audit';
import { batchRoutes } from './batch';
import { blockRoutes } from './blocks';
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
import { reviewRoutes } from './reviews';
import { rightsRoutes } from './rights';
import { systemRoutes } from './system';
import { termsRoutes } from './terms';
import { versionRoutes } from './versions';

/** Every route of the API, and the OpenAPI document built from them. */
export function allRoutes(): { routes: readonly AnyRoute[]; openApi: Record<string, unknown> } {
  let document: Record<string, unknown> = {};
  const routes: AnyRoute[] = [
    ...systemRoutes(() => document),
    ...termsRoutes,
    ...providerRoutes,
    ...batchRoutes,
    ...dataRoutes,
    ...modelRoutes,
    ...outputRoutes,
    ...versionRoutes,
    ...reviewRoutes,
    ...rightsRoutes,
    ...revenueRoutes,
    ...marketRoutes,
    ...eventRoutes,
    ...lookupRoutes,
    ...publicRoutes,
    ...evidenceRoutes,
    ...blockRoutes,
    ...exchangeRoutes,
    ...auditRoutes,
  ];
  document = buildOpenApi(routes, {
    title: 'Kiseki gateway API',
    version: '1.0.0',
    description: "An org's REST gateway to the Kiseki ledger: provenance of training data, models and outputs; rights and royalties.",
  });
  return { routes, openApi: document };
}
