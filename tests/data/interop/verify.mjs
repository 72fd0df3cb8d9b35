// Verify cfx-signed credentials with Digital Bazaar's vc 7.3 stack, offline.
// Prints one VERIFIED/FAILED line per file; exit 1 if any failed.
import fs from 'node:fs';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as DidKey from '@digitalbazaar/did-method-key';

// Usage: node verify.mjs MANIFEST[,MANIFEST...] CREDENTIAL.json...
// Contexts come only from the pinned manifests; did:key is resolved offline; nothing is fetched.
const manifests = process.argv[2].split(',');
const docs = new Map();
for (const manifest of manifests) {
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  for (const c of m.contexts) {
    docs.set(c.url, JSON.parse(fs.readFileSync(path.join(path.dirname(manifest), c.file), 'utf8')));
  }
}
const didKey = DidKey.driver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKey.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKey.use({multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from});
const documentLoader = async url => {
  if(docs.has(url)) {
    return {contextUrl: null, documentUrl: url, document: docs.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`document not allowed offline: ${url}`);
};
let failures = 0;
for (const file of process.argv.slice(3)) {
  const credential = JSON.parse(fs.readFileSync(file, 'utf8'));
  const suites = [new DataIntegrityProof({cryptosuite: eddsaRdfc}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc})];
  const result = await vc.verifyCredential({credential, suite: suites, documentLoader});
  const why = result.verified ? '' : JSON.stringify(result.error?.errors?.map(e => e.message) ?? result.error?.message ?? result).slice(0, 400);
  console.log(`${result.verified ? 'VERIFIED' : 'FAILED'} ${path.basename(file)} ${why}`);
  if(!result.verified) failures++;
}
process.exit(failures ? 1 : 0);
