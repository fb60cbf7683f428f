import { randomBytes } from 'node:crypto';

/**
 * The few parts of RFC 6455 a Kubernetes streaming client needs: decoding the server's frames
 * (unmasked, possibly fragmented) into whole messages, and encoding the client's control frames
 * (always masked). Bounded: a message over `maxMessageBytes` is an error, not a buffer that grows.
 */
export interface WebSocketMessage {
  opcode: number;
  data: Buffer;
}

export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export class FrameDecoder {
  #pending = Buffer.alloc(0);
  /** Chunks not yet joined to #pending: joined only once they complete what the next frame needs. */
  #queued: Buffer[] = [];
  #available = 0;
  #need = 2;
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  readonly #maxMessageBytes: number;

  constructor(maxMessageBytes = 1024 * 1024) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Feeds bytes from the socket; returns the messages they complete. Throws on a protocol error. */
  push(chunk: Buffer): WebSocketMessage[] {
    this.#queued.push(chunk);
    this.#available += chunk.length;
    if (this.#available < this.#need) return [];
    this.#pending = Buffer.concat([this.#pending, ...this.#queued]);
    this.#queued = [];
    const messages: WebSocketMessage[] = [];
    for (;;) {
      const frame = this.#frame();
      if (frame === undefined) return messages;
      const message = this.#assemble(frame);
      if (message !== undefined) messages.push(message);
    }
  }

  #frame(): { fin: boolean; opcode: number; data: Buffer } | undefined {
    const frame = this.#parse();
    this.#available = this.#pending.length;
    return frame;
  }

  #parse(): { fin: boolean; opcode: number; data: Buffer } | undefined {
    const b = this.#pending;
    this.#need = 2;
    if (b.length < 2) return undefined;
    const b0 = b[0] ?? 0;
    const b1 = b[1] ?? 0;
    let length = b1 & 0x7f;
    let offset = 2;
    if (length === 126) {
      this.#need = 4;
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      this.#need = 10;
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.#maxMessageBytes)) throw new Error(`a frame of ${big} bytes is over the limit`);
      length = Number(big);
      offset = 10;
    }
    if (length > this.#maxMessageBytes) throw new Error(`a frame of ${length} bytes is over the limit`);
    const masked = (b1 & 0x80) !== 0;
    const maskOffset = offset;
    if (masked) offset += 4;
    this.#need = offset + length;
    if (b.length < offset + length) return undefined;
    const data = Buffer.from(b.subarray(offset, offset + length));
    if (masked)
      for (let i = 0; i < data.length; i++) data[i] = (data[i] ?? 0) ^ (b[maskOffset + (i % 4)] ?? 0);
    this.#pending = b.subarray(offset + length);
    this.#need = 2;
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, data };
  }

  #assemble(frame: { fin: boolean; opcode: number; data: Buffer }): WebSocketMessage | undefined {
    // Control frames are never fragmented and may come between the fragments of a message.
    if (frame.opcode >= 8) return { opcode: frame.opcode, data: frame.data };
    if (frame.opcode !== Opcode.continuation) {
      this.#fragments = [];
      this.#fragmentBytes = 0;
      this.#fragmentOpcode = frame.opcode;
    }
    this.#fragmentBytes += frame.data.length;
    if (this.#fragmentBytes > this.#maxMessageBytes)
      throw new Error(`a message of over ${this.#maxMessageBytes} bytes`);
    this.#fragments.push(frame.data);
    if (!frame.fin) return undefined;
    const data = this.#fragments.length === 1 ? frame.data : Buffer.concat(this.#fragments);
    this.#fragments = [];
    this.#fragmentBytes = 0;
    return { opcode: this.#fragmentOpcode, data };
  }
}

/** A client frame: FIN set, masked with a fresh key, as RFC 6455 requires of clients. */
export function encodeClientFrame(opcode: number, data: Buffer = Buffer.alloc(0)): Buffer {
  if (data.length > 125 && opcode >= 8) throw new Error('a control frame carries at most 125 bytes');
  const lengthBytes = data.length < 126 ? 0 : data.length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = 0x80 | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | data.length;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([header, body]);
}
