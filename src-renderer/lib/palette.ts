// Canvas cannot read CSS custom properties cheaply each frame; these mirror the ones in app.css.
export const palette = {
  wave: '#7fb2d9',
  waveDim: '#4a6a85',
  match: 'rgba(230, 176, 76, 0.22)',
  matchEdge: '#e6b04c',
  selection: 'rgba(120, 200, 160, 0.28)',
  selectionEdge: '#78c8a0',
  playhead: '#f2f2f2',
  grid: '#2a3038',
  live: '#e46a5a',
  liveQuiet: '#7fb2d9',
};

/** A canvas sized for the screen's pixel density, with its 2-D context scaled to CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * ratio));
  const h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Draws magnitudes (0..1) as a mirrored envelope filling the width. */
export function drawEnvelope(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, x0: number, width: number, height: number, color: string): void {
  const mid = height / 2;
  const columns = Math.max(1, Math.floor(width));
  ctx.fillStyle = color;
  if (values.length === 0) {
    ctx.fillRect(x0, mid - 0.5, width, 1);
    return;
  }
  const perColumn = values.length / columns;
  for (let x = 0; x < columns; x++) {
    const from = Math.floor(x * perColumn);
    const to = Math.max(from + 1, Math.floor((x + 1) * perColumn));
    let peak = 0;
    for (let i = from; i < to && i < values.length; i++) peak = Math.max(peak, Math.abs(values[i]));
    const h = Math.max(1, peak * (height - 2));
    ctx.fillRect(x0 + x, mid - h / 2, 1, h);
  }
}
