/**
 * `pnpm bench:ingest`: the @aiops/ingest benchmark (decode vs gunzip+JSON.parse, consumer vs a bare
 * GetRecords loop), printed as one JSON object. The benchmark lives in the package, where its
 * dependencies resolve: packages/ingest/test/bench/ingest-bench.ts.
 *
 *   tsx scripts/bench-ingest.ts [--payloads 2000] [--events 50] [--records 20000] [--rounds 5] [--decode-rounds 15]
 */
import '../packages/ingest/test/bench/ingest-bench.js';
