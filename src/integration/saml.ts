// SAML 2.0 IdP metadata (OASIS saml-metadata-2.0-os): the signing certificates an SP must trust
// and the single sign-on / logout endpoints, read with the safe XML reader (no DTD, capped).

import { X509Certificate } from 'node:crypto';
import { child, findAll, parseXml, type XmlElement } from '../util/xml.js';
import { peerText } from './peer-text.js';

export interface SigningCert {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  keyType?: string;
  /** RSA modulus length; absent for EC keys (see namedCurve). */
  bits?: number;
  namedCurve?: string;
  fingerprint256: string;
}

export interface SamlEndpoint {
  kind: 'sso' | 'slo';
  binding: string;
  location: string;
}

export interface MetadataReview {
  entityId?: string;
  /** EntityDescriptor@validUntil (§2.3.2), when present. */
  validUntil?: string;
  idp: boolean;
  signing: SigningCert[];
  /** Certificates that could not be read (base64 or DER broken), by reason. */
  unreadable: string[];
  endpoints: SamlEndpoint[];
}

const MAX_CERTS = 20;
const MAX_ENDPOINTS = 40;

export function reviewMetadata(xml: string, now = Date.now()): MetadataReview {
  const root = parseXml(xml);
  // An aggregate (EntitiesDescriptor) holds many entities: the first IdP is the one configured.
  const entities = findAll(root, 'EntityDescriptor');
  const entity = entities.find((e) => child(e, 'IDPSSODescriptor')) ?? entities[0];
  const idps = entity ? entity.children.filter((c) => c.local === 'IDPSSODescriptor') : [];
  const signing: SigningCert[] = [];
  const unreadable: string[] = [];
  const endpoints: SamlEndpoint[] = [];
  for (const idp of idps) {
    for (const kd of idp.children.filter((c) => c.local === 'KeyDescriptor')) {
      // §2.4.1.1: no use attribute means the key serves both signing and encryption.
      const use = kd.attrs.use;
      if (use !== undefined && use !== 'signing') continue;
      for (const el of findAll(kd, 'X509Certificate')) {
        if (signing.length + unreadable.length >= MAX_CERTS) break;
        const read = readCert(el, now);
        if (typeof read === 'string') unreadable.push(read);
        else if (!signing.some((s) => s.fingerprint256 === read.fingerprint256)) signing.push(read);
      }
    }
    for (const el of idp.children) {
      const kind = el.local === 'SingleSignOnService' ? 'sso' : el.local === 'SingleLogoutService' ? 'slo' : undefined;
      if (!kind || endpoints.length >= MAX_ENDPOINTS) continue;
      const location = el.attrs.Location;
      // An over-long Location is kept cut (and so fails as a URL): it is reported, never requested whole.
      if (location)
        endpoints.push({
          kind,
          binding: peerText((el.attrs.Binding ?? '').replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, ''), 100),
          location: peerText(location, 2048),
        });
    }
  }
  return {
    ...(entity?.attrs.entityID ? { entityId: peerText(entity.attrs.entityID, 300) } : {}),
    ...(entity?.attrs.validUntil ? { validUntil: peerText(entity.attrs.validUntil, 64) } : {}),
    idp: idps.length > 0,
    signing,
    unreadable,
    endpoints,
  };
}

function readCert(el: XmlElement, now: number): SigningCert | string {
  const b64 = el.text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return 'not base64';
  try {
    const x = new X509Certificate(Buffer.from(b64, 'base64'));
    const details = x.publicKey.asymmetricKeyDetails;
    const validTo = new Date(x.validTo);
    return {
      subject: peerText(x.subject.replace(/\n/g, ', '), 300),
      issuer: peerText(x.issuer.replace(/\n/g, ', '), 300),
      validFrom: new Date(x.validFrom).toISOString(),
      validTo: validTo.toISOString(),
      daysLeft: Math.floor((validTo.getTime() - now) / 86_400_000),
      ...(x.publicKey.asymmetricKeyType ? { keyType: x.publicKey.asymmetricKeyType } : {}),
      ...(details?.modulusLength ? { bits: details.modulusLength } : {}),
      ...(details?.namedCurve ? { namedCurve: details.namedCurve } : {}),
      fingerprint256: x.fingerprint256,
    };
  } catch (err) {
    return `not a certificate (${err instanceof Error ? err.message : String(err)})`.slice(0, 200);
  }
}
