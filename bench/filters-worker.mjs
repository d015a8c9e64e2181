// Worker of bench/filters.ts (all-cores runs): loads the compiled library and times chains on its channel block.
import { parentPort } from "node:worker_threads";
import * as lib from "../dist/index.js";
import { runChain } from "./filters-work.mjs";

parentPort.on("message", ({ chain, x, nch }) => parentPort.postMessage(runChain(lib, chain, x, nch)));
parentPort.postMessage("ready");
