/**
 * The certificate that travels with a generated key in its .pfx. It is a label, not a trust
 * anchor: it tells a person (and Windows' certificate UI) which key and tenant the file is for.
 * Forge builds the X.509 structure; node:crypto signs it (forge's JS RSA would be slower and
 * would need the private key as forge big integers).
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { Asn1Type, encodeDer, getTbsCertificate, pki, toBinary } from './forge-bridge.js';

/** X.520 upper bound for commonName and organizationName. */
const MAX_NAME_CHARS = 64;

export interface CertificateInput {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyName: string;
  tenantName: string;
  notBefore: Date;
  validityDays: number;
}

/** Longer names are cut (by code point) to the X.520 bound; the thumbprint, not the label, names the key. */
function label(text: string): string {
  return [...text.trim()].slice(0, MAX_NAME_CHARS).join('');
}

/**
 * Positive, minimally encoded 128-bit serial: the top bit cleared (not negative) and the next one
 * set (no leading zero byte), which strict DER readers require.
 */
function serialNumberHex(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial.toString('hex');
}

/** DER of a self-signed sha256WithRSAEncryption certificate: O=<tenant>, CN=<key>. */
export function selfSignedCertificate(input: CertificateInput): Buffer {
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(input.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = serialNumberHex();
  cert.validity.notBefore = new Date(input.notBefore.getTime());
  cert.validity.notAfter = new Date(input.notBefore.getTime() + input.validityDays * 24 * 60 * 60 * 1000);
  const names = [
    { shortName: 'O', value: label(input.tenantName), valueTagClass: Asn1Type.UTF8 as number },
    { shortName: 'CN', value: label(input.keyName), valueTagClass: Asn1Type.UTF8 as number },
  ];
  cert.setSubject(names);
  cert.setIssuer(names);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.signatureOid = pki.oids.sha256WithRSAEncryption ?? '1.2.840.113549.1.1.11';
  cert.siginfo.algorithmOid = cert.signatureOid;
  const tbs = getTbsCertificate(cert);
  cert.tbsCertificate = tbs;
  cert.signature = toBinary(sign('sha256', encodeDer(tbs), input.privateKey));
  return encodeDer(pki.certificateToAsn1(cert));
}
