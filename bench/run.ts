/** `npm run bench`: the embedded engine's benchmark, the Temporal engine's, then the data plugins' against pandas. */
import { main as embeddedBench } from './engine.bench.js';
import { temporalBench } from './temporal.bench.js';
import { dataBench } from './data.bench.js';

await embeddedBench();
await temporalBench();
await dataBench();
