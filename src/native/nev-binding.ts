/** Raw functions of native/src/napi/nev_binding.cc (internal). PLACEHOLDER until the nev area lands. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NevBinding {}
