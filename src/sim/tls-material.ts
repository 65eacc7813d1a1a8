import { generate } from 'selfsigned';

export interface TlsMaterial {
  caCert: string;
  serverKey: string;
  serverCert: string;
}

/**
 * A CA generated per start and a serving certificate it signs for 127.0.0.1 and localhost, so clients
 * verify the server properly (no insecure-skip-tls-verify) and a stale kubeconfig never trusts a new
 * simulator. EC keys keep generation in the tens of milliseconds.
 */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  // Backdated a little so a client whose clock runs slightly behind still accepts the certificate.
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'meshgate-sim-ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'meshgate-sim' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caCert: ca.cert, serverKey: server.private, serverCert: server.cert };
}
