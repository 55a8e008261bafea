/**
 * Short fades at both ends of a cut, so a region starts and ends at silence instead of with a
 * step the DAW plays as a click. The gain is a raised cosine (half a Hann window): it leaves and
 * reaches full level with zero slope, which hides the fade itself better than a linear ramp.
 * A fade is never longer than half the region. Returns new arrays; the input is not touched.
 */
export function fadeEdges(channels: readonly Float32Array[], sampleRate: number, fadeSec: number): Float32Array[] {
  const length = channels[0]?.length ?? 0;
  const n = Math.min(Math.round(fadeSec * sampleRate), Math.floor(length / 2));
  if (n <= 0) return channels.map((c) => c.slice());
  const gain = new Float32Array(n);
  // Sample i of the fade-in sits at (i + 0.5) / n of the way up: the first sample is nearly 0, never exactly a copy.
  for (let i = 0; i < n; i++) gain[i] = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / n);
  return channels.map((source) => {
    const out = source.slice();
    for (let i = 0; i < n; i++) {
      out[i] *= gain[i];
      out[length - 1 - i] *= gain[i];
    }
    return out;
  });
}
