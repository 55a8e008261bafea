/**
 * The write half of protocol buffers, for the handful of ONNX messages the graph builder emits.
 * Repeated scalars are written unpacked (one tag per value): ONNX's schema is proto2, where that is
 * the canonical form, and every parser accepts it.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  /** Varint field (int32, int64, enum, bool). Negative numbers take the 10-byte two's-complement form. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.rawVarint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
}
