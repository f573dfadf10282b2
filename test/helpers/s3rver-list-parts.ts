import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * s3rver implements no ListParts (GET ?uploadId=…), which real S3, MinIO and R2 answer and which a
 * direct upload's completion relies on (the server lists the parts itself). This proxy in front
 * of s3rver answers ListParts from s3rver's own directory of parts (ETag = MD5 of the part, as
 * s3rver returns on upload) and passes everything else through unchanged.
 */
export async function listPartsProxy(target: string, directory: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'GET' && uploadId !== null && !url.searchParams.has('partNumber')) {
      const bucket = url.pathname.split('/')[1]!;
      const dir = path.join(directory, bucket, '._S3rver_uploads', uploadId);
      const numbers = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b) : [];
      const parts = numbers.map((n) => {
        const file = path.join(dir, String(n));
        const bytes = fs.readFileSync(file);
        return `<Part><PartNumber>${n}</PartNumber><ETag>"${createHash('md5').update(bytes).digest('hex')}"</ETag><Size>${bytes.length}</Size><LastModified>${fs.statSync(file).mtime.toISOString()}</LastModified></Part>`;
      });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`);
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
