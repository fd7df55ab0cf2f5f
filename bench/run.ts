/** `npm run bench`: the embedded engine's benchmark, then the Temporal engine's. */
import { main as embeddedBench } from './engine.bench.js';
import { temporalBench } from './temporal.bench.js';

await embeddedBench();
await temporalBench();
