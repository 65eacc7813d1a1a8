import { unsupportedMediaType } from './api-errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { applyJsonPatch, decodeJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import { badRequest } from './api-errors.ts';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

const CUSTOM_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH];
const NATIVE_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH];

/**
 * Applies a PATCH body of the given media type. Strategic merge needs Go struct tags, which custom
 * resources do not have: a real server answers 415 for them, and so does this one. Server-side apply
 * is approximated by a merge patch (no field ownership or conflict detection).
 */
export function applyPatch(
  target: JsonObject,
  patch: JsonValue,
  contentType: string,
  strategicAllowed: boolean,
): JsonObject {
  const accepted = strategicAllowed ? NATIVE_PATCH_TYPES : CUSTOM_PATCH_TYPES;
  if (!accepted.includes(contentType)) throw unsupportedMediaType(accepted);
  let result: JsonValue;
  switch (contentType) {
    case JSON_PATCH:
      result = applyJsonPatch(target, decodeJsonPatch(patch));
      break;
    case STRATEGIC_PATCH:
      result = applyStrategicMergePatch(target, patch);
      break;
    default:
      if (!isJsonObject(patch)) throw badRequest('the body of a merge patch must be a JSON object');
      result = applyMergePatch(target, patch);
  }
  if (!isJsonObject(result)) throw badRequest('the patch replaced the object with a non-object');
  return result;
}
