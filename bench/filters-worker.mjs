// Worker of bench/filters.ts (all-cores runs): loads the compiled library and times chains on its channel block.
// With `reuse` the worker keeps one set of outputs per chain and block shape (touched by the warm-up run), as
// the pipeline's workers keep their buffers; without it every run allocates fresh outputs.
import { parentPort } from "node:worker_threads";
import * as lib from "../dist/index.js";
import { makeOutputs, runChain } from "./filters-work.mjs";

const kept = new Map();
parentPort.on("message", ({ chain, x, nch, reuse }) => {
  let bufs;
  if (reuse) {
    const key = `${chain}/${x.length}/${nch}`;
    if (!kept.has(key)) kept.set(key, makeOutputs(lib, chain, x.length / nch, nch));
    bufs = kept.get(key);
  }
  parentPort.postMessage(runChain(lib, chain, x, nch, bufs));
});
parentPort.postMessage("ready");
