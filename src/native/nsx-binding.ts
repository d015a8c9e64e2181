/** Raw functions of native/src/napi/nsx_binding.cc (internal). PLACEHOLDER until the nsx area lands. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NsxBinding {}
