#!/usr/bin/env node
/** npm run demo:cassettes — re-key the demo's hand-written answer to the request the demo makes now. */
import { writeDemoCassettes } from '../apps/cli/dist/demo/cassettes.js';

const { hash, path } = await writeDemoCassettes();
console.log(`demo cassette ${hash} → ${path}`);
