/**
 * rplpipe library API. Everything public is exported here; the raw native binding is not.
 */
export * from "./errors.js";
export { simdInfo, setSimdLevel } from "./simd.js";
