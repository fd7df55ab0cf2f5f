/** `npm run bench`: the embedded engine's benchmark, the Temporal engine's, then the data plugins' against pandas, then iALS against implicit, then serving `/recommend` against a bare node:http server, then the editor's load time in Chromium. */
import { main as embeddedBench } from './engine.bench.js';
import { temporalBench } from './temporal.bench.js';
import { dataBench } from './data.bench.js';
import { ialsBench } from './ials.bench.js';
import { servingBench } from './serving.bench.js';
import { editorBench } from './editor.bench.js';

await embeddedBench();
await temporalBench();
await dataBench();
await ialsBench();
await servingBench();
await editorBench();
