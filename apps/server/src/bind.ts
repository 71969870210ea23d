import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Whether binding `host` keeps the server on this machine. Only literal loopback
 * addresses and `localhost` count: `0.0.0.0`, `::`, an empty host or any other name
 * (which may resolve to a public interface) do not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h);
  return false;
}

/** The address the server is really bound to, as a URL (`http://0.0.0.0:3100`, `http://[::]:3100`). */
export function boundUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo | string | null;
  if (address === null) throw new Error('the server is not listening');
  if (typeof address === 'string') return `unix:${address}`;
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Whether the bound address reaches beyond loopback (`0.0.0.0`, `::`, a LAN address). */
export function boundBeyondLoopback(app: FastifyInstance): boolean {
  const address = app.server.address() as AddressInfo | string | null;
  return address !== null && typeof address !== 'string' && !isLoopbackHost(address.address);
}
