/**
 * Lets long work on the engine's thread give way: `pause()` returns a promise that resolves on
 * the next turn of the event loop once `budgetMs` of work has gone by since the last pause, and
 * undefined before that (so a tight loop checks it cheaply after every item). Anything queued
 * meanwhile (an IPC call, a timer, a search) runs in between.
 */
export function timeSlicer(budgetMs = 8): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}

/** Resolves on the next turn of the event loop, after what is queued meanwhile (I/O, messages, timers due). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
