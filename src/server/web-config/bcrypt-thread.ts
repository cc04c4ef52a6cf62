// The thread that compares passwords with bcrypt hashes for basic auth (basic-auth.ts): bcrypt costs
// tens of milliseconds of CPU per check by design, which on the serving thread would hold scrapes and
// /healthz while wrong passwords arrive. One check at a time, as the exporter toolkit does.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

export interface CompareRequest {
  id: number;
  password: string;
  hash: string;
}

export interface CompareAnswer {
  id: number;
  match: boolean;
}

parentPort?.on('message', (m: CompareRequest) => {
  let match = false;
  try {
    match = bcrypt.compareSync(m.password, m.hash);
  } catch {
    // A hash bcryptjs cannot read matches nothing (the web config loader refuses such hashes).
  }
  parentPort?.postMessage({ id: m.id, match } satisfies CompareAnswer);
});
