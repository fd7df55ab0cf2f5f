/** `npm run bench`: the embedded engine's benchmark, the Temporal engine's, then the data plugins' against pandas, then iALS against implicit. */
import { main as embeddedBench } from './engine.bench.js';
import { temporalBench } from './temporal.bench.js';
import { dataBench } from './data.bench.js';
import { ialsBench } from './ials.bench.js';

await embeddedBench();
await temporalBench();
await dataBench();
await ialsBench();
