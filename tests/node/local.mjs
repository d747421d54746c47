// What verify.mjs and sign-bench.mjs share: the JSON input on stdin, and a document loader that never touches the
// network (the contexts shipped by the Digital Bazaar packages first, then the documents the caller supplies).
import * as vc from '@digitalbazaar/vc';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

export async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// `documents`: url -> JSON-LD document (contexts, controller documents, verification methods).
export function localDocumentLoader(documents) {
  const supplied = new JsonLdDocumentLoader();
  for(const [url, document] of Object.entries(documents)) {
    supplied.addStatic(url, document);
  }
  const fallback = supplied.build();
  return async url => {
    try {
      return await vc.defaultDocumentLoader(url);
    } catch {
      return fallback(url);
    }
  };
}
