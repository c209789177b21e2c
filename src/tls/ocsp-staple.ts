// What a stapled OCSP response (RFC 6960 §4.2.1) says about the server's own certificate. The
// staple's signature is not verified here (a TLS client checks it against the issuer); this reads
// what the server is handing out, so a revoked, unknown, stale or foreign staple shows up.

import {
  childrenOf,
  context,
  decodeOid,
  decodeTime,
  DerError,
  expectElement,
  integerHex,
  smallInteger,
  TAG,
  tryDer,
  type DerElement,
} from './der.js';
import type { OcspStapleStatus } from './types.js';

export interface OcspStaple {
  status: OcspStapleStatus;
  thisUpdate?: string;
  nextUpdate?: string;
  /** Why the staple could not be read or used. */
  detail?: string;
}

const BASIC_RESPONSE = '1.3.6.1.5.5.7.48.1.1';

/** `leafSerial`: X509Certificate.serialNumber of the certificate the staple should be for. */
export function readOcspStaple(response: Uint8Array, leafSerial: string): OcspStaple {
  const read = tryDer((): OcspStaple => {
    const top = expectElement(response, 0, TAG.SEQUENCE, response.length, 'OCSPResponse');
    const [statusEl, bytesField] = childrenOf(response, top);
    if (!statusEl || statusEl.tag !== TAG.ENUMERATED) throw new DerError('OCSPResponse has no responseStatus', top.start);
    const responseStatus = smallInteger(response, statusEl);
    if (responseStatus !== 0) return { status: 'unsuccessful', detail: `responseStatus ${responseStatus}` };
    if (!bytesField || bytesField.tag !== context(0)) throw new DerError('successful OCSPResponse without responseBytes', statusEl.end);
    const [responseBytes] = childrenOf(response, bytesField);
    const [typeEl, octets] = responseBytes?.tag === TAG.SEQUENCE ? childrenOf(response, responseBytes) : [];
    if (!typeEl || !octets || octets.tag !== TAG.OCTET_STRING) throw new DerError('ResponseBytes is malformed', bytesField.start);
    const type = decodeOid(response, typeEl);
    if (type !== BASIC_RESPONSE) return { status: 'malformed', detail: `response type ${type} is not id-pkix-ocsp-basic` };

    const basic = expectElement(response, octets.start, TAG.SEQUENCE, octets.end, 'BasicOCSPResponse');
    const [tbs] = childrenOf(response, basic);
    if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError('ResponseData is missing', basic.start);
    // version [0] (optional), responderID [1] | [2], producedAt, responses, responseExtensions [1]
    const fields = childrenOf(response, tbs).filter((f) => f.tag !== context(0));
    const responses = fields.find((f) => f.tag === TAG.SEQUENCE);
    if (!responses) throw new DerError('ResponseData has no responses', tbs.start);
    const wanted = leafSerial.replace(/^0+/, '').toUpperCase() || '0';
    for (const single of childrenOf(response, responses)) {
      const parsed = singleResponse(response, single);
      if (parsed.serial === wanted) return parsed.staple;
    }
    return { status: 'unrelated', detail: `no response for serial ${wanted}` };
  });
  return read.ok ? read.value : { status: 'malformed', detail: read.error.message };
}

/** SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] OPTIONAL, … } */
function singleResponse(der: Uint8Array, single: DerElement): { serial: string; staple: OcspStaple } {
  const [certId, certStatus, thisUpdate, ...rest] = childrenOf(der, single);
  if (!certId || certId.tag !== TAG.SEQUENCE || !certStatus || !thisUpdate)
    throw new DerError('SingleResponse is malformed', single.offset);
  // CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }
  const serialEl = childrenOf(der, certId)[3];
  if (!serialEl) throw new DerError('CertID has no serialNumber', certId.offset);
  const status: OcspStapleStatus | undefined = ({ 0x80: 'good', 0xa1: 'revoked', 0x82: 'unknown' } as Record<number, OcspStapleStatus>)[
    certStatus.tag
  ];
  if (!status) throw new DerError('unknown CertStatus', certStatus.offset);
  const nextField = rest.find((r) => r.tag === context(0));
  const next = nextField ? childrenOf(der, nextField)[0] : undefined;
  return {
    serial: integerHex(der, serialEl),
    staple: { status, thisUpdate: decodeTime(der, thisUpdate), ...(next ? { nextUpdate: decodeTime(der, next) } : {}) },
  };
}
