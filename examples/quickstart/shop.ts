import { createServer, type Server } from 'node:http';

/** The service you already have: a small shop API on node:http. Nothing here knows about @aiops. */
export interface Shop {
  readonly server: Server;
  /** Makes this share of `/cart` requests fail with a 503, as when its database is in trouble (0 heals it). */
  breakCart(failureRate: number): void;
}

export function createShop(): Shop {
  let failureRate = 0;
  let n = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://shop').pathname;
    if (req.method === 'GET' && path === '/products') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ id: 'p-1', name: 'Teapot', price: 18 }]));
      return;
    }
    if (req.method === 'GET' && path === '/cart') {
      // Deterministic failures: every request whose running share falls under the rate fails.
      n++;
      const failed = Math.floor(n * failureRate) > Math.floor((n - 1) * failureRate);
      setTimeout(() => {
        if (failed) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'cart database unavailable' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [{ id: 'p-1', quantity: 2 }] }));
      }, 2);
      return;
    }
    res.writeHead(404).end();
  });
  return {
    server,
    breakCart(rate) {
      failureRate = Math.min(1, Math.max(0, rate));
    },
  };
}
