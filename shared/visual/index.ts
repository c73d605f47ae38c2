export {
  type CompareOptions,
  type CompareResult,
  compareImages,
  compareImagesAsync,
  type ImageInput,
} from "./compare-images.ts";
export { type DescribedChange, describeChanges } from "./describe-changes.ts";
export {
  type ChangeToDescribe,
  describeChangesWithVision,
  type VisionDescribeInput,
} from "./describe-with-vision.ts";
export {
  type ChangeKind,
  type ChangeScope,
  describeElement,
  diffDomSnapshots,
  type ElementChange,
  matchSnapshots,
} from "./dom-diff.ts";
export { type DomSnapshot, ELEMENT_KINDS, type ElementKind, type SnapshotElement } from "./dom-snapshot.ts";
export { type DecodedImage, decodePng, encodePng, isPng, PngError } from "./png.ts";
export type { Box, Region } from "./regions.ts";
export { type RecordedChange, showsOldValue } from "./shows-old-value.ts";
