/**
 * The shop with its pipeline, as you would run it:
 *
 *   corepack pnpm tsx examples/quickstart/main.ts        # PORT=3000 HEALTH_PORT=8081 by default
 *   curl localhost:3000/cart; curl localhost:8081        # the app, and the pipeline's health
 */
import { watch } from './aiops.js';
import { createShop } from './shop.js';

const shop = createShop();
const aiops = await watch(shop.server, { service: 'shop', healthPort: Number(process.env.HEALTH_PORT ?? 8081) });
shop.server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`shop on :${process.env.PORT ?? 3000}, pipeline health on :${aiops.healthPort}`);
});

// Stop taking requests, then let the pipeline finish what it has (incidents saved, notifications sent).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shop.server.close();
    shop.server.closeIdleConnections();
    aiops.stop().then(() => process.exit(0));
  });
}
