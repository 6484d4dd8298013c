/**
 * A key service as an operator would run one (docs/key-service.md): a table of key digests and
 * subjects that tests change while the gateway runs, on plain `node:http`. It records every
 * question (URL, authorization header, body) and can be made to fail: down (503), slow (past the
 * gateway's timeout), answering garbage, or saying yes to everything.
 */
import { createHash } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { readBody } from '../http';
import { startFakeServer, type FakeServer } from './server';

export type Question = { readonly url: string; readonly authorization: string | undefined; readonly body: string };
/** `yes`: a broken service that says every digest is valid (what the deployment check must catch). */
export type Mode = 'ok' | 'down' | 'slow' | 'garbage' | 'yes';

export type KeyServiceFixture = FakeServer & {
  readonly token: string;
  readonly questions: Question[];
  /** Adds `key` for `subject`, as the operator's dashboard would. */
  add(key: string, subject: string): void;
  /** Revokes `key`: unknown by digest, and its subject no longer active. */
  remove(key: string): void;
  mode: Mode;
};

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export async function startKeyService(): Promise<KeyServiceFixture> {
  const token = `ks_${sha256(String(Math.random())).slice(0, 32)}`;
  const subjectByDigest = new Map<string, string>();
  const questions: Question[] = [];
  const fixture = { mode: 'ok' as Mode };
  const handler: RequestListener = (req, res) => {
    void (async () => {
      const body = await readBody(req);
      questions.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return answer(401, { error: 'unauthorized' });
      if (fixture.mode === 'down') return answer(503, { error: 'maintenance' });
      if (fixture.mode === 'slow') await new Promise((done) => setTimeout(done, 2000));
      if (fixture.mode === 'garbage') return answer(200, { ok: 'yes' });
      const question = JSON.parse(body) as { digest?: string; key?: string; subject?: string };
      if (question.subject !== undefined) {
        return answer(200, { active: [...subjectByDigest.values()].includes(question.subject) });
      }
      const digest = question.digest ?? (question.key === undefined ? '' : sha256(question.key));
      const subject = fixture.mode === 'yes' ? `cus_any_${digest.slice(0, 8)}` : subjectByDigest.get(digest);
      return answer(200, subject === undefined ? { valid: false } : { valid: true, subject, label: 'Test customer' });
    })();
  };
  const server = await startFakeServer(handler, { path: '/v1/mcp-keys' });
  return Object.assign(fixture, server, {
    token,
    questions,
    add: (key: string, subject: string) => void subjectByDigest.set(sha256(key), subject),
    remove: (key: string) => void subjectByDigest.delete(sha256(key)),
  });
}
