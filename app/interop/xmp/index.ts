/**
 * Face regions with names in XMP (Metadata Working Group regions), for digiKam, Lightroom and the
 * other tools that read them: sidecars are written (never the photos), sidecars and embedded XMP
 * are read. See regions.ts for the format and the orientation rule, sidecar.ts for naming/merging.
 */
import { readEmbeddedRegions } from './embedded';
import { readSidecarRegions } from './sidecar';
import type { RegionInfo } from './regions';

export * from './regions';
export * from './sidecar';
export { readEmbeddedRegions, readEmbeddedXmp } from './embedded';
export { XmlError, parseXml, escapeXml } from './xml';

/**
 * The regions of a photo: its sidecar's (photo.jpg.xmp, then photo.xmp) when that has any, else
 * those embedded in the file (also when the sidecar is not readable XML). `source` is the sidecar's path or "embedded".
 */
export async function readPhotoRegions(photoPath: string): Promise<(RegionInfo & { source: string }) | null> {
  try {
    const side = readSidecarRegions(photoPath);
    if (side) return side;
  } catch {
    // A sidecar that is not well-formed XML is ignored here (and never overwritten: see sidecar.ts).
  }
  const embedded = await readEmbeddedRegions(photoPath);
  return embedded ? { ...embedded, source: 'embedded' } : null;
}
