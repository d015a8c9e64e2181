/** Raw functions of native/src/napi/dsp_binding.cc (internal). PLACEHOLDER until the dsp area lands. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DspBinding {}
