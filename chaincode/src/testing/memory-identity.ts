import type { ClientIdentity } from 'fabric-shim-api';

/**
 * A self-signed test certificate (no key exists for it anywhere): fabric-shim's `ClientIdentity`
 * parses the creator's certificate, so a stub handed to the real shim dispatcher must carry one.
 */
export const TEST_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBwDCCAWegAwIBAgIUBXnsMJj/GYxOOZqlWH3uufVQBiEwCgYIKoZIzj0EAwIw
NTEiMCAGA1UEAwwZdXNlcjFAc3R1ZGlvMS5raXNla2kudGVzdDEPMA0GA1UECwwG
Y2xpZW50MCAXDTI2MTEyNTEyNDc0OFoYDzIxMjYxMTAxMTI0NzQ4WjA1MSIwIAYD
VQQDDBl1c2VyMUBzdHVkaW8xLmtpc2VraS50ZXN0MQ8wDQYDVQQLDAZjbGllbnQw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQrBYaCKZ/oYnz3QDZSVAIm9LyXX2NO
KSVhZr6mMRwMp7ngrPIALOJW+ElKBW1VQYa0l1RlQjhqhmaPGW3AugfPo1MwUTAd
BgNVHQ4EFgQUYR1pqZi7hL6TyjU0dRJMOiz3HXQwHwYDVR0jBBgwFoAUYR1pqZi7
hL6TyjU0dRJMOiz3HXQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiBK04oD0ZcHahQ7/L3IPYI2684kG/r/dCWhjLGTotFkxwIgcaDvXFhVqF64Fu/U
ffSSJVOFWqyCLc6xoDGx/jTDUww=
-----END CERTIFICATE-----
`;

/** The client identity of a memory transaction. */
export class MemoryIdentity implements ClientIdentity {
  constructor(
    readonly mspId: string,
    readonly name: string = `user@${mspId}`,
    private readonly attributes: Readonly<Record<string, string>> = {},
  ) {}

  getMSPID(): string {
    return this.mspId;
  }

  getID(): string {
    return `x509::/CN=${this.name}::/CN=ca.${this.mspId}`;
  }

  getIDBytes(): Uint8Array {
    return Buffer.from(TEST_CLIENT_CERT);
  }

  getAttributeValue(attrName: string): string | null {
    return Object.prototype.hasOwnProperty.call(this.attributes, attrName) ? (this.attributes[attrName] as string) : null;
  }

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    return this.getAttributeValue(attrName) === attrValue;
  }
}
