import { serializeError, type Reply } from './errors.ts';
import { methods, type Handlers, type MethodName } from './methods.ts';

export type { Reply };

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/**
 * The single entry point both transports (Electron IPC, web server) call. Unknown methods and
 * malformed arguments are refused here with the same 'invalid-argument' error in both, so a
 * handler only ever sees arguments its schema accepted.
 */
export async function dispatch(handlers: Handlers, name: unknown, rawArgs: unknown): Promise<Reply> {
  if (!isMethodName(name)) {
    return { ok: false, error: { kind: 'invalid-argument', message: `Unknown method ${JSON.stringify(String(name)).slice(0, 80)}` } };
  }
  const parsed = methods[name].args.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`).join('; ');
    return { ok: false, error: { kind: 'invalid-argument', message: `${name} was called with bad arguments (${problems})` } };
  }
  try {
    const handler = handlers[name] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
