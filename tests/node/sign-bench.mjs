#!/usr/bin/env node
// Signs one credential many times with Digital Bazaar's @digitalbazaar/vc (eddsa-rdfc-2022), for the bench
// (tests/bench/_badges.py), which signs the same credential as many times with LEAP in the same run.
//
// Reads one JSON object from stdin:
//   {"credential": {...}, "contexts": {url: document}, "count": N, "created": "2024-01-01T00:00:00Z",
//    "controller": "https://.../issuers/1"}
// and prints {"count": N, "seconds": s, "rate": signs per second, "credential": the last signed credential,
// "verificationMethod": {...} (the generated key, public part)}.
// Contexts shipped by the Digital Bazaar packages come first, "contexts" supplies the rest; nothing is fetched
// from the network. One signature is made first, untimed, so what is timed is the steady state.
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {localDocumentLoader, readStdin} from './local.mjs';

async function signOnce({credential, suite, documentLoader}) {
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

const input = await readStdin();
const controller = input.controller;
const keyPair = await Ed25519Multikey.generate({controller});
const suite = new DataIntegrityProof({
  signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite, date: input.created,
});
const documentLoader = localDocumentLoader(input.contexts ?? {});
const options = {credential: input.credential, suite, documentLoader};

let signed = await signOnce(options);
const start = performance.now();
for(let i = 0; i < input.count; i++) {
  signed = await signOnce(options);
}
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({
  count: input.count, seconds, rate: input.count / seconds, credential: signed,
  verificationMethod: await keyPair.export({publicKey: true, includeContext: true}),
}) + '\n');
