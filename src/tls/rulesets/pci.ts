// PCI DSS v4.0.1, Requirement 4.2.1: PAN sent over open, public networks is protected with strong
// cryptography — only trusted keys and certificates, certificates confirmed valid and not expired
// or revoked (a best practice until 31 March 2025, required since), secure protocol versions only
// with no fallback to insecure ones, encryption strength fit for the method. "Strong cryptography"
// (Glossary) means at least 112 bits of effective key strength; SSL and early TLS are not strong
// cryptography (Appendix A2). TLS 1.1 is read as early TLS too: the stricter reading, and the one
// PCI SSC's migration guidance and assessors apply in practice.

import type { TlsScan } from '../types.js';
import { certificateRsaBits, certificateKeyLabel } from '../key-strength.js';
import { has64BitBlock, isAnonymous, isExport, isNullCipher, isRc4, suiteLabel } from '../suite-traits.js';
import { phrase, type Phrase } from '../phrases.js';
import { notTrusted, versionFindings, weakEphemeralKeys, withCertificate, type RuleOutcome } from './common.js';

const DOC = 'PCI DSS v4.0.1 Req. 4.2.1';

export function pciRules(scan: TlsScan): RuleOutcome[] {
  return [
    {
      key: 'protocols',
      level: 'required',
      source: `${DOC}; Appendix A2`,
      offending: versionFindings(scan, { allowed: ['TLSv1.2', 'TLSv1.3'], requiredAny: ['TLSv1.2', 'TLSv1.3'] }),
    },
    {
      key: 'cipher-suites',
      level: 'required',
      source: `${DOC}; Glossary "Strong Cryptography"`,
      // 3DES keeps 112 bits of key but its 64-bit block is broken by SWEET32, and NIST disallowed
      // it for encryption after 2023 (SP 800-131A Rev. 2): not strong cryptography any more.
      offending: scan.accepted
        .filter(
          (s) =>
            s.strength === 'insecure' || isNullCipher(s) || isExport(s) || isAnonymous(s) || isRc4(s) || has64BitBlock(s) || s.bits < 112,
        )
        .map(suiteLabel),
    },
    {
      key: 'key-strength',
      level: 'required',
      source: `${DOC}; Glossary "Strong Cryptography"`,
      offending: (() => {
        const leaf = scan.certificate?.chain[0];
        const bits = leaf ? certificateRsaBits(leaf) : undefined;
        const cert = leaf && bits !== undefined && bits < 2048 ? [certificateKeyLabel(leaf)] : [];
        const offending = [...cert, ...weakEphemeralKeys(scan, 2048, 224)];
        // Without the certificate only a failure can be told.
        return offending.length || leaf ? offending : undefined;
      })(),
    },
    {
      key: 'certificate-trust',
      level: 'required',
      source: `${DOC} (bullet 1: only trusted keys and certificates)`,
      offending: withCertificate(scan, (c, leaf) => {
        const out: Phrase[] = [];
        if (!c.trusted) out.push(leaf.selfSigned ? phrase('tls.item.self-signed') : notTrusted(c.trustError));
        if (!c.hostnameMatch) out.push(phrase('tls.item.name-mismatch', { name: c.checkedName }));
        return out;
      }),
    },
    {
      key: 'certificate-validity',
      level: 'required',
      source: `${DOC} (bullet 2: valid, not expired or revoked)`,
      offending: withCertificate(scan, (c) => {
        const out: Phrase[] = [];
        if (c.expired) out.push(phrase('tls.item.expired', { date: c.notAfter }));
        if (c.notYetValid) out.push(phrase('tls.item.not-yet-valid', { date: c.notBefore }));
        if (c.ocspStatus === 'revoked') out.push(phrase('tls.item.revoked'));
        return out;
      }),
    },
  ];
}
