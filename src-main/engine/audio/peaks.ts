/** Max absolute sample per bucket, for waveform thumbnails; buckets past the end stay 0. */
export function waveformPeaks(samples: Float32Array, buckets: number): Float32Array {
  const out = new Float32Array(Math.max(0, Math.floor(buckets)));
  if (out.length === 0 || samples.length === 0) return out;
  const per = samples.length / out.length;
  for (let b = 0; b < out.length; b++) {
    const start = Math.floor(b * per);
    // Short sounds get fewer samples than buckets: every bucket still shows the sample under it.
    const end = Math.max(start + 1, Math.floor((b + 1) * per));
    let peak = 0;
    for (let i = start; i < end && i < samples.length; i++) {
      const v = Math.abs(samples[i]);
      if (v > peak) peak = v;
    }
    out[b] = peak;
  }
  return out;
}
