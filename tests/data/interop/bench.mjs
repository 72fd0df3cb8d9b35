// Verifications per second of one credential with Digital Bazaar's vc 7.3 stack (one process).
import fs from 'node:fs';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as DidKey from '@digitalbazaar/did-method-key';

// Usage: node bench.mjs MANIFEST CREDENTIAL.json [SECONDS]; prints the best of three rounds.
const [manifest, file, seconds = '3'] = process.argv.slice(2);
const docs = new Map();
for (const c of JSON.parse(fs.readFileSync(manifest, 'utf8')).contexts) {
  docs.set(c.url, JSON.parse(fs.readFileSync(path.join(path.dirname(manifest), c.file), 'utf8')));
}
const didKey = DidKey.driver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const documentLoader = async url => {
  if(docs.has(url)) return {contextUrl: null, documentUrl: url, document: docs.get(url)};
  if(url.startsWith('did:key:')) return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  throw new Error(`not allowed offline: ${url}`);
};
const credential = JSON.parse(fs.readFileSync(file, 'utf8'));
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc});
const once = async () => {
  const r = await vc.verifyCredential({credential, suite, documentLoader});
  if(!r.verified) throw new Error('not verified');
};
for (let i = 0; i < 50; i++) await once();
let best = 0;
for (let round = 0; round < 3; round++) {
  let n = 0; const start = performance.now();
  while (performance.now() - start < Number(seconds) * 1000 / 3) { await once(); n++; }
  best = Math.max(best, n / ((performance.now() - start) / 1000));
}
console.log(best.toFixed(0));
