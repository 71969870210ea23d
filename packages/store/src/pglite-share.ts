import fs from 'node:fs';
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { SessionLock } from './session-lock.js';

/**
 * The embedded database served to other processes over the PostgreSQL wire
 * protocol on a Unix domain socket, so that `agentlane serve`/`mcp` and `kg`
 * commands can work on one repository at once. Clients are ordinary `pg`
 * connections (see open.ts); this side hands their messages to PGlite's
 * `execProtocolRaw` and writes back what it answers.
 *
 * PGlite is ONE session, shared by the owner and every client, so each client
 * holds the session lock (session-lock.ts) from its first message until PGlite
 * says ReadyForQuery with the session idle: a client's transaction, or an
 * extended-protocol exchange (Parse … Sync), never interleaves with the owner's
 * work or another client's. A client that goes away while holding the session
 * (mid-transaction, or idle in one for `idleInTransactionMs`) is rolled back.
 *
 * `@electric-sql/pglite-socket` does the same job but locks per message (two
 * clients' Parse/Bind/Execute can interleave; the owner's own queries can land
 * inside a client's transaction) and pins exact versions of PGlite and seven
 * extension packages as peer dependencies.
 */

export interface ShareServerOptions {
  db: PGlite;
  session: SessionLock;
  /** Path of the socket file; its directory must exist and be private (0700). */
  socketPath: string;
  /**
   * A client holding the session (in a transaction, or between Parse and Sync)
   * that sends nothing for this long is rolled back and disconnected.
   * @defaultValue 60000
   */
  idleInTransactionMs?: number;
}

export interface ShareServer {
  readonly socketPath: string;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stop accepting clients; each open one is disconnected as soon as it does not
   * hold the session (a transaction in progress is let finish). Removes the socket file.
   */
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/**
 * Frontend messages a client may send after startup. Anything else would make
 * PostgreSQL end the session, which for PGlite is the owner's process.
 */
const FRONTEND_TYPES = new Set('QPBEDCSHF'.split('').map((c) => c.charCodeAt(0)));
const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_FAIL = 0x66; // f
/** `COPY … FROM STDIN` as the whole of a simple query (what pg-copy-streams sends). */
const COPY_FROM_STDIN = /^\s*COPY\b[^;]*\bFROM\s+STDIN\b[^;]*;?\s*$/i;
const MENTIONS_COPY_FROM_STDIN = /\bCOPY\b[\s\S]*\bFROM\s+STDIN\b/i;
/** CopyInResponse: text format, columns unknown here (PGlite's own one is not forwarded). */
const COPY_IN_RESPONSE = Uint8Array.from([0x47, 0, 0, 0, 7, 0, 0, 0]);

/** Messages of the simple protocol sent when a client leaves holding the session. */
const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]);
const ROLLBACK = queryMessage('ROLLBACK');

/** ErrorResponse followed by ReadyForQuery (the session's status unchanged), as PostgreSQL reports a refused query. */
function errorMessage(sqlstate: string, text: string, status: string): Buffer {
  const fields = Buffer.from(`SERROR\0VERROR\0C${sqlstate}\0M${text}\0\0`, 'utf8');
  const error = Buffer.alloc(5 + fields.length);
  error.write('E', 0, 'latin1');
  error.writeInt32BE(4 + fields.length, 1);
  fields.copy(error, 5);
  return Buffer.concat([error, Buffer.from([0x5a, 0, 0, 0, 5, status.charCodeAt(0)])]);
}

/** The SQL text of a Query ('Q') or Parse ('P') message. */
function statementText(message: Buffer): string {
  if (message[0] === 0x51) return message.toString('utf8', 5, message.length - 1);
  // Parse: name\0 query\0 …
  const nameEnd = message.indexOf(0, 5);
  const queryEnd = message.indexOf(0, nameEnd + 1);
  return nameEnd < 0 || queryEnd < 0 ? '' : message.toString('utf8', nameEnd + 1, queryEnd);
}

/** A response without its first message (PGlite's CopyInResponse, already sent by the bridge). */
function withoutFirstMessage(data: Uint8Array): Uint8Array {
  if (data.length < 5 || data[0] !== 0x47) return data;
  const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getInt32(1);
  return data.subarray(1 + length);
}

function queryMessage(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/** The transaction status of the last ReadyForQuery in a backend response ('I', 'T', 'E'), or null when there is none. */
export function lastReadyStatus(data: Uint8Array): string | null {
  let status: string | null = null;
  let offset = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  while (offset + 5 <= data.length) {
    const type = data[offset];
    const length = view.getInt32(offset + 1);
    if (length < 4) break;
    if (type === 0x5a /* Z */ && length === 5 && offset + 5 < data.length) status = String.fromCharCode(data[offset + 5] as number);
    offset += 1 + length;
  }
  return status;
}

/** Serve `db` on `socketPath` (removing a stale socket file left there first). */
export async function startShareServer(options: ShareServerOptions): Promise<ShareServer> {
  const idleInTransactionMs = options.idleInTransactionMs ?? 60_000;
  const connections = new Set<Connection>();
  let closing = false;
  const server = net.createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, options.db, options.session, idleInTransactionMs, () => closing);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  fs.rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The directory is private already; the socket itself is the owner's alone too.
  fs.chmodSync(options.socketPath, 0o600);
  return {
    socketPath: options.socketPath,
    get connections() {
      return connections.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.finish()));
      await closed;
      fs.rmSync(options.socketPath, { force: true });
    },
  };
}

/** One client: its bytes in, complete messages run in order, PGlite's answers out. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private release: (() => void) | null = null;
  private work: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  private gone = false;
  /** A `COPY … FROM STDIN` being received: its query, then its data, run together once complete. */
  private copy: Buffer[] | null = null;
  /** After a refused Parse: the rest of that exchange is dropped, up to its Sync. */
  private discardUntilSync = false;
  /** The session's transaction status as PGlite last reported it. */
  private status = 'I';
  private ended: Promise<void>;

  constructor(
    private readonly socket: net.Socket,
    private readonly db: PGlite,
    private readonly session: SessionLock,
    private readonly idleInTransactionMs: number,
    private readonly closing: () => boolean,
  ) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.gone = true;
      this.clearIdle();
      // After whatever is queued: leave the session as it was found.
      this.enqueue(() => this.abandon());
    });
  }

  /** Disconnect once this client does not hold the session. */
  async finish(): Promise<void> {
    this.enqueue(async () => {
      if (this.release !== null) return;
      // From here nothing more runs for this client: a message is answered, or never executed.
      this.gone = true;
      this.socket.destroy();
    });
    await this.ended;
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch(() => {
      this.socket.destroy();
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      const message = this.nextMessage();
      if (message === null) break;
      messages.push(message);
    }
    if (messages.length > 0) this.enqueue(() => this.handle(messages));
  }

  /** The next complete message in the buffer (startup-phase messages have no type byte). */
  private nextMessage(): Buffer | null {
    const headerless = !this.started;
    const header = headerless ? 4 : 5;
    if (this.buffer.length < header) return null;
    const length = headerless ? this.buffer.readInt32BE(0) : 1 + this.buffer.readInt32BE(1);
    if (length < header - (headerless ? 0 : 1) || length > 1 << 30) {
      this.socket.destroy();
      this.buffer = Buffer.alloc(0);
      return null;
    }
    if (this.buffer.length < length) return null;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (headerless && message.length >= 8 && message.readInt32BE(4) === PROTOCOL_3) this.started = true;
    return message;
  }

  private async handle(messages: Buffer[]): Promise<void> {
    this.clearIdle();
    for (let i = 0; i < messages.length; i += 1) {
      if (this.gone) return;
      const message = messages[i] as Buffer;
      if (message.length >= 8 && message.readInt32BE(0) === 8 && [SSL_REQUEST, GSSENC_REQUEST].includes(message.readInt32BE(4))) {
        this.socket.write('N');
        continue;
      }
      if (message.length === 16 && message.readInt32BE(4) === CANCEL_REQUEST) {
        // Nothing to signal in a single-session database; the protocol expects no answer.
        this.socket.destroy();
        return;
      }
      if (message[0] === 0x58 /* X: Terminate */ && this.started) {
        this.socket.end();
        return;
      }
      if (this.copy !== null) {
        // PGlite reads COPY data from the same call as the COPY itself: collected until its end.
        this.copy.push(message);
        if (message[0] === COPY_DONE || message[0] === COPY_FAIL) {
          const batch = Buffer.concat(this.copy);
          this.copy = null;
          await this.execute(batch, (answer) => withoutFirstMessage(answer));
        } else if (message[0] !== COPY_DATA) {
          this.copy = null;
          this.refuse('08P01', 'unexpected message during COPY FROM STDIN');
          return;
        }
        continue;
      }
      if (this.discardUntilSync) {
        if (message[0] === 0x53 /* S */) {
          this.discardUntilSync = false;
          this.socket.write(Buffer.from([0x5a, 0, 0, 0, 5, this.status.charCodeAt(0)]));
        }
        continue;
      }
      if (message[0] !== 0 && !FRONTEND_TYPES.has(message[0] as number)) {
        this.refuse('08P01', `unsupported frontend message type ${JSON.stringify(String.fromCharCode(message[0] as number))}`);
        return;
      }
      if (message[0] === 0x51 || message[0] === 0x50) {
        const text = statementText(message);
        if (message[0] === 0x51 && COPY_FROM_STDIN.test(text)) {
          this.copy = [message];
          this.socket.write(COPY_IN_RESPONSE);
          continue;
        }
        if (MENTIONS_COPY_FROM_STDIN.test(text)) {
          // Any other form would leave PGlite waiting for data it cannot get, which ends its process.
          const error = errorMessage('0A000', 'COPY FROM STDIN is supported only as a simple query of its own', this.status);
          // A simple query ends with ReadyForQuery; an extended one when its Sync comes.
          if (message[0] === 0x51) this.socket.write(error);
          else {
            this.socket.write(error.subarray(0, error.length - 6));
            this.discardUntilSync = true;
          }
          continue;
        }
      }
      // The startup answer is a view of PGlite's reused buffer: copied before it is queued for writing.
      if (message[0] === 0) await this.execute(message, (answer) => Buffer.from(answer));
      else await this.execute(message, (answer) => answer);
      if (this.gone) return;
    }
    if (this.release !== null) {
      // Holding the session between messages: a client that has gone quiet must not keep it.
      this.idleTimer = setTimeout(() => this.enqueue(() => this.expire()), this.idleInTransactionMs);
      this.idleTimer.unref();
    } else if (this.closing()) {
      this.gone = true;
      this.socket.destroy();
    }
  }

  /** Run messages on PGlite holding the session, which is released once PGlite says it is idle. */
  private async execute(batch: Buffer, shape: (answer: Uint8Array) => Uint8Array): Promise<void> {
    this.release ??= await this.session.acquire();
    if (this.gone) {
      await this.abandon();
      return;
    }
    const answer = shape(await this.db.runExclusive(() => this.db.execProtocolRaw(batch)));
    const status = lastReadyStatus(answer);
    if (status !== null) this.status = status;
    if (status === 'I') this.unlock();
    if (answer.length > 0 && !this.socket.destroyed) this.socket.write(answer);
  }

  /** Answer a protocol violation with an error and close the connection. */
  private refuse(sqlstate: string, text: string): void {
    this.socket.end(errorMessage(sqlstate, text, this.status));
    this.enqueue(() => this.abandon());
  }

  private unlock(): void {
    const release = this.release;
    this.release = null;
    release?.();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private async expire(): Promise<void> {
    await this.abandon();
    this.socket.destroy();
  }

  /** End whatever the client left open in the session: an extended-protocol exchange (Sync), a transaction (ROLLBACK). */
  private async abandon(): Promise<void> {
    if (this.release === null) return;
    try {
      await this.db.runExclusive(async () => {
        const synced = await this.db.execProtocolRaw(SYNC);
        if (lastReadyStatus(synced) !== 'I') await this.db.execProtocolRaw(ROLLBACK);
      });
    } finally {
      this.status = 'I';
      this.unlock();
    }
  }
}
