/** The harness's own HTTP probe of a registry (readiness and log markers). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export function get(
  port: number,
  path: string,
  headers: Record<string, string>,
  tls = false,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    // Harness requests to a TLS registry skip verification: they only probe and mark.
    const send = tls ? httpsRequest : httpRequest;
    const req = send(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers,
        agent: false,
        timeout: 5000,
        ...(tls && { rejectUnauthorized: false }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
