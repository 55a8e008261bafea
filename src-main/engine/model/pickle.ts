import { EngineError } from '../errors.ts';

/**
 * A Python pickle reader for checkpoints (protocols 2-5, which is what torch.save and Lightning write).
 * It never runs Python code: a class or function named in the pickle becomes a `PickleGlobal`, and
 * calling it (REDUCE, NEWOBJ, BUILD) either goes through the caller's `reduce` hook (which knows
 * torch's tensor rebuilders) or yields an inert `PickleObject` that just records what was asked for.
 * That is what lets a Lightning checkpoint full of arbitrary classes (optimiser state, argparse
 * namespaces, callbacks) load without knowing any of them.
 */

export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a class we do not know: kept only so the structure around it stays intact. */
export class PickleObject {
  state: unknown = undefined;
  readonly items: unknown[] = [];
  constructor(readonly type: PickleGlobal, readonly args: readonly unknown[]) {}
}

export interface UnpickleHooks {
  /** BINPERSID / PERSID: torch uses this for tensor storages. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Called for every REDUCE and NEWOBJ; return undefined to get an inert PickleObject. */
  reduce?: (callable: PickleGlobal, args: readonly unknown[]) => unknown;
}

export function unpickle(bytes: Uint8Array, file: string, hooks: UnpickleHooks = {}): unknown {
  return new Unpickler(bytes, file, hooks).load();
}

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly latin1 = new TextDecoder('latin1');
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(private readonly bytes: Uint8Array, private readonly file: string, private readonly hooks: UnpickleHooks) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  load(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: this.u8(); break; // PROTO
        case 0x95: this.take(8); break; // FRAME: framing is only a read-ahead hint
        case 0x2e: return this.pop(); // STOP
        case 0x28: this.marks.push(this.stack.length); break; // MARK
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP

        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.view.getInt32(this.advance(4), true)); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.view.getUint16(this.advance(2), true)); break; // BININT2
        case 0x8a: this.push(this.long(this.u8())); break; // LONG1
        case 0x8b: this.push(this.long(this.u32())); break; // LONG4
        case 0x47: this.push(this.view.getFloat64(this.advance(8), false)); break; // BINFLOAT (big-endian)
        case 0x49: this.push(this.textInt(this.line())); break; // INT
        case 0x4c: this.push(this.textInt(this.line().replace(/L$/, ''))); break; // LONG
        case 0x46: this.push(Number.parseFloat(this.line())); break; // FLOAT

        case 0x58: this.push(this.utf8.decode(this.take(this.u32()))); break; // BINUNICODE
        case 0x8c: this.push(this.utf8.decode(this.take(this.u8()))); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.utf8.decode(this.take(this.u64()))); break; // BINUNICODE8
        case 0x54: this.push(this.latin1.decode(this.take(this.u32()))); break; // BINSTRING
        case 0x55: this.push(this.latin1.decode(this.take(this.u8()))); break; // SHORT_BINSTRING
        case 0x56: this.push(this.line()); break; // UNICODE (raw-unicode-escape; ASCII is all torch writes)
        case 0x53: this.push(this.line().replace(/^(['"])(.*)\1$/, '$2')); break; // STRING
        case 0x42: this.push(this.take(this.u32()).slice()); break; // BINBYTES
        case 0x43: this.push(this.take(this.u8()).slice()); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.take(this.u64()).slice()); break; // BINBYTES8
        case 0x96: this.push(this.take(this.u64()).slice()); break; // BYTEARRAY8

        case 0x29: this.push([]); break; // EMPTY_TUPLE
        case 0x85: this.push([this.pop()]); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push([a, b]); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push([a, b, c]); break; } // TUPLE3
        case 0x74: this.push(this.popMark()); break; // TUPLE
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x7d: this.push(new Map()); break; // EMPTY_DICT
        case 0x64: this.push(this.pairs(this.popMark(), new Map())); break; // DICT
        case 0x8f: this.push(new Set()); break; // EMPTY_SET
        case 0x91: this.push(new Set(this.popMark())); break; // FROZENSET
        case 0x61: { const v = this.pop(); this.append(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.append(this.top(), items); break; } // APPENDS
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x90: { const items = this.popMark(); this.append(this.top(), items); break; } // ADDITEMS

        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x70: this.memo.set(Number(this.line()), this.top()); break; // PUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x68: this.push(this.get(this.u8())); break; // BINGET
        case 0x6a: this.push(this.get(this.u32())); break; // LONG_BINGET
        case 0x67: this.push(this.get(Number(this.line()))); break; // GET

        case 0x63: { const module = this.line(); const name = this.line(); this.push(new PickleGlobal(module, name)); break; } // GLOBAL
        case 0x93: { const name = this.pop(); const module = this.pop(); this.push(new PickleGlobal(String(module), String(name))); break; } // STACK_GLOBAL
        case 0x52: { const args = this.pop(); const fn = this.pop(); this.push(this.call(fn, args, at)); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); this.push(this.call(cls, args, at)); break; } // NEWOBJ
        case 0x92: { this.pop(); const args = this.pop(); const cls = this.pop(); this.push(this.call(cls, args, at)); break; } // NEWOBJ_EX
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD
        case 0x69: { const module = this.line(); const name = this.line(); this.push(this.call(new PickleGlobal(module, name), this.popMark(), at)); break; } // INST
        case 0x6f: { const items = this.popMark(); this.push(this.call(items[0], items.slice(1), at)); break; } // OBJ
        case 0x51: this.push(this.persistent(this.pop(), at)); break; // BINPERSID
        case 0x50: this.push(this.persistent(this.line(), at)); break; // PERSID

        default:
          throw new EngineError('model', `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} of the checkpoint's data.pkl`, { file: this.file });
      }
    }
  }

  private call(fn: unknown, args: unknown, at: number): unknown {
    if (!(fn instanceof PickleGlobal)) throw this.fail(`the pickle calls something that is not a class or function at byte ${at}`);
    const list = Array.isArray(args) ? args : [];
    return this.hooks.reduce?.(fn, list) ?? new PickleObject(fn, list);
  }

  private build(target: unknown, state: unknown): void {
    if (target instanceof PickleObject) target.state = state;
    // BUILD on anything else (an OrderedDict, a rebuilt tensor) carries Python-side attributes we do not need.
  }

  private persistent(pid: unknown, at: number): unknown {
    if (!this.hooks.persistentLoad) throw this.fail(`the pickle refers to external data (persistent id) at byte ${at}, but none can be loaded here`);
    return this.hooks.persistentLoad(pid);
  }

  private append(target: unknown, items: unknown[]): void {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) for (const item of items) target.add(item);
    else if (target instanceof PickleObject) target.items.push(...items);
    else throw this.fail('the pickle appends to something that is not a list');
  }

  private setItems(target: unknown, items: unknown[]): void {
    if (target instanceof Map) this.pairs(items, target);
    else if (target instanceof PickleObject) target.items.push(...items);
    else throw this.fail('the pickle sets items on something that is not a dict');
  }

  private pairs(items: unknown[], into: Map<unknown, unknown>): Map<unknown, unknown> {
    for (let i = 0; i + 1 < items.length; i += 2) into.set(items[i], items[i + 1]);
    return into;
  }

  private long(n: number): number | bigint {
    // Two's-complement little-endian, as Python's LONG1/LONG4 encode arbitrary integers.
    const b = this.take(n);
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  private textInt(text: string): number | boolean {
    if (text === '00') return false;
    if (text === '01') return true;
    return Number.parseInt(text, 10);
  }

  private get(key: number): unknown {
    if (!this.memo.has(key)) throw this.fail(`the pickle refers to memo slot ${key}, which was never stored`);
    return this.memo.get(key);
  }

  private push(v: unknown): void {
    this.stack.push(v);
  }

  private pop(): unknown {
    if (this.stack.length === 0 || (this.marks.length > 0 && this.stack.length <= this.marks[this.marks.length - 1])) {
      throw this.fail('the pickle stack underflowed (damaged data.pkl)');
    }
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.fail('the pickle stack is empty where a value was expected (damaged data.pkl)');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.fail('the pickle closes a group it never opened (damaged data.pkl)');
    return this.stack.splice(mark);
  }

  private u8(): number {
    return this.bytes[this.advance(1)];
  }

  private u32(): number {
    return this.view.getUint32(this.advance(4), true);
  }

  private u64(): number {
    const v = this.view.getBigUint64(this.advance(8), true);
    if (v > BigInt(this.bytes.length)) throw this.fail('a length in the pickle is larger than the file');
    return Number(v);
  }

  private take(n: number): Uint8Array {
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.truncated();
    const text = this.latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private advance(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw this.truncated();
    this.pos += n;
    return at;
  }

  private truncated(): EngineError {
    return this.fail('the checkpoint\'s data.pkl ends in the middle of a value (truncated or damaged)');
  }

  private fail(message: string): EngineError {
    return new EngineError('model', message, { file: this.file });
  }
}
