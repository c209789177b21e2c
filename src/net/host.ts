/** True for an IPv4 or IPv6 literal (IPv6 without brackets): those never go in SNI. */
export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
