// Interoperability peer for TestJoseInterop: the npm `jose` library verifies Portcullis's tokens and signs its own.
// Reads a job file: [{ alg, privateJwk, publicJwk, token }]; prints [{ alg, verified, error, payload, token }].
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const job of jobs) {
  const result = { alg: job.alg };
  try {
    const publicKey = await jose.importJWK(job.publicJwk, job.alg);
    const { payload } = await jose.compactVerify(job.token, publicKey, { algorithms: [job.alg] });
    result.verified = true;
    result.payload = new TextDecoder().decode(payload);
  } catch (error) {
    result.verified = false;
    result.error = `${error.code ?? ''} ${error.message}`;
  }
  const privateKey = await jose.importJWK(job.privateJwk, job.alg);
  result.token = await new jose.CompactSign(new TextEncoder().encode(job.payload))
    .setProtectedHeader({ alg: job.alg, typ: 'JWT', kid: job.privateJwk.kid })
    .sign(privateKey);
  results.push(result);
}
process.stdout.write(JSON.stringify(results));
