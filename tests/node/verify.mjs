#!/usr/bin/env node
// Verifies a credential made by LEAP with code LEAP did not write, for the Python tests (tests/badges/).
//
// Reads one JSON object from stdin and prints {"verified": bool, "error": string|null}:
//   {"credential": {...}, "contexts": {url: document}, "controller": {...}, "verificationMethod": {...}}
//     an eddsa-rdfc-2022 Data Integrity proof, checked by @digitalbazaar/vc (issuer = key controller,
//     controller lists the key under assertionMethod). Contexts shipped by the Digital Bazaar packages
//     (credentials v1/v2, security v1/v2) come first; "contexts" supplies the rest (Open Badges, Multikey).
//     "verificationMethod" may be left out when "controller" embeds it. Nothing is fetched from the network.
//   {"jwt": "...", "jwk": {...}}
//     a VC-JWT, checked by jose with RS256 and typ JWT; the header kid must match the JWK's kid if it has one.
//     The output adds "payload" and "header".
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {importJWK, jwtVerify} from 'jose';
import {localDocumentLoader, readStdin} from './local.mjs';

function describe(error) {
  if(!error) {
    return null;
  }
  const nested = Array.isArray(error.errors) ? error.errors.map(describe) : [];
  const own = error.message || String(error);
  return nested.length ? `${own}: ${nested.join('; ')}` : own;
}

function documentLoaderFor({contexts = {}, controller, verificationMethod}) {
  const documents = {...contexts};
  const methods = [...(controller?.verificationMethod ?? [])];
  if(verificationMethod) {
    methods.push(verificationMethod);
  }
  for(const method of methods) {
    documents[method.id] = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
  }
  if(controller) {
    documents[controller.id] = controller;
  }
  return localDocumentLoader(documents);
}

async function verifyDataIntegrity(input) {
  if(input.verificationMethod) {
    await Ed25519Multikey.from(input.verificationMethod);  // a malformed key fails here, clearly
  }
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({
    credential: input.credential,
    suite,
    documentLoader: documentLoaderFor(input),
    // Status lists are LEAP's own check; this script is about the proof.
    checkStatus: async () => ({verified: true}),
  });
  const error = result.error ?? result.results?.find(r => !r.verified)?.error;
  return {verified: result.verified === true, error: result.verified ? null : describe(error)};
}

async function verifyJwt({jwt, jwk}) {
  const key = await importJWK(jwk, 'RS256');
  const {payload, protectedHeader} = await jwtVerify(jwt, key, {algorithms: ['RS256'], typ: 'JWT'});
  if(jwk.kid && protectedHeader.kid !== jwk.kid) {
    return {verified: false, error: `kid ${protectedHeader.kid} is not the key's ${jwk.kid}`};
  }
  return {verified: true, error: null, payload, header: protectedHeader};
}

let output;
try {
  const input = await readStdin();
  output = input.jwt ? await verifyJwt(input) : await verifyDataIntegrity(input);
} catch(error) {
  output = {verified: false, error: describe(error)};
}
process.stdout.write(JSON.stringify(output) + '\n');
