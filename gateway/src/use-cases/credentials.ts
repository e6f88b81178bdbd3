import { createHash } from 'node:crypto';
import { ContractNames as C } from '@kiseki/chaincode/shared/names';
import { LEDGER_REFERENCES_FORMAT, type LedgerReferences } from '@kiseki/verifier';
import { CREDENTIAL_MEDIA_TYPES, embedCredentials } from '../credentials/c2pa';
import { AppError } from '../errors';
import type { Services } from './services';

/**
 * An output's content with its Content Credentials embedded: a C2PA manifest signed by this org (the
 * owner's gateway, which holds the content and the org's content-credentials key), stating how it was
 * made and where it is on the ledger. The bytes are checked against the ledger digest before signing.
 */
export async function credentialedOutput(
  services: Services,
  outputId: string,
  generator: { name: string; version: string },
): Promise<{ bytes: Uint8Array; mediaType: string }> {
  const signer = services.contentSigner;
  if (signer === undefined || services.evidence === undefined)
    throw new AppError('UNAVAILABLE', 'this gateway has no content-credentials key');
  const output = await services.reader.outputs.get(outputId);
  if (output.ownerMsp !== services.settings.mspId)
    throw new AppError('FORBIDDEN', `Content Credentials for ${outputId} are signed by its owner's gateway (${output.ownerMsp})`);
  if (!CREDENTIAL_MEDIA_TYPES.has(output.mediaType))
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content Credentials are embedded in ${[...CREDENTIAL_MEDIA_TYPES].join(' and ')}, not ${output.mediaType}`,
    );
  const bytes = await services.vault.get(`outputs/${outputId}`);
  if (bytes === undefined) throw new AppError('NOT_FOUND', 'the content is not in this vault');
  if (createHash('sha256').update(bytes).digest('hex') !== output.contentDigest)
    throw new AppError('DIGEST_MISMATCH', `the stored content of ${outputId} does not hash to its ledger digest`);
  const model = await services.reader.models.get(output.modelId);
  const registration = await services.evidence.registrationOf(C.outputs, outputId);
  const references: LedgerReferences = {
    format: LEDGER_REFERENCES_FORMAT,
    channel: registration.channel,
    chaincode: registration.chaincode,
    outputId,
    ownerMsp: output.ownerMsp,
    contentDigest: output.contentDigest,
    mediaType: output.mediaType,
    modelId: output.modelId,
    ...(output.modelVersion === undefined ? {} : { modelVersion: output.modelVersion }),
    ...(model.trainingRoot === undefined ? {} : { trainingRoot: model.trainingRoot }),
    trainingSize: model.trainingSize,
    transactionId: registration.transactionId,
    blockNumber: registration.blockNumber,
    evidence: `/v1/outputs/${encodeURIComponent(outputId)}/evidence`,
  };
  const signed = await embedCredentials(
    {
      bytes,
      mediaType: output.mediaType,
      title: outputId,
      references,
      ...(output.generationDigest === undefined ? {} : { generationDigest: output.generationDigest }),
    },
    signer,
    generator,
  );
  return { bytes: signed, mediaType: output.mediaType };
}
