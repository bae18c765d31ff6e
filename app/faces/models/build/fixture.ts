/** A deterministic pseudo-random RGB image (NCHW float 0..255) used to check converted models. */
export function fixtureInput(size: number, seed = 12345): { nchw: Float32Array; nhwc: Float32Array } {
  const n = size * size * 3;
  const nhwc = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    nhwc[i] = s % 256;
  }
  const nchw = new Float32Array(n);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) nchw[c * size * size + y * size + x] = nhwc[(y * size + x) * 3 + c]!;
  return { nchw, nhwc };
}
