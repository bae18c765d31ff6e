/**
 * Close-up faces (a head shot, a portrait that fills the frame): the detector's tiles see parts of
 * the face (nose and mouth, an eye and a cheek) as small faces of their own; they lie inside the
 * whole face's box and overlap it by little IoU, so NMS kept them, and a library filled up with
 * "faces" that are noses (app/faces/nested.ts DETECT_NESTED_CONTAINMENT). Real photos, real models.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../app/faces/image';
import { FacePipeline } from '../../app/faces/pipeline';
import { DATASETS, GROUP, requireDatasets } from '../helpers/paths';

let engine: FacePipeline;
beforeAll(async () => {
  requireDatasets();
  engine = await FacePipeline.create({ provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await engine?.close();
});

describe('close-up faces', () => {
  // Before the rule each of these gave 3 boxes (the face and two parts of it: docs/models.md "Close-up faces").
  it.each([
    ['people-wild/pins-celebs/alexandra_daddario/Alexandra_Daddario139_253.jpg'],
    ['people-wild/pins-celebs/alexandra_daddario/Alexandra_Daddario131_246.jpg'],
    ['people-wild/sports-celebs/maria_sharapova/2015070814363485712044768374.jpg'],
  ])('%s: one face, the whole face, with no part of it left as a face of its own', async (file) => {
    const photo = await decodePhoto(join(DATASETS, file));
    const dets = await engine.detect(photo.image);
    expect(dets).toHaveLength(1);
    // the whole face: at least half the photo's width
    expect(dets[0]!.box.width).toBeGreaterThan(photo.image.width * 0.5);
  });

  it('keeps every annotated face of group photos (faces side by side are not parts of each other)', async () => {
    const annotations = JSON.parse(readFileSync(join(GROUP, '..', 'annotations.json'), 'utf8')).dlib_boxes_ltwh;
    for (const file of ['dlib__2007_007763.jpg', 'dlib__2008_004176.jpg', 'dlib__2008_007676.jpg']) {
      const truth: { left: number; top: number; width: number; height: number }[] = annotations[file].boxes;
      expect(truth).toHaveLength(7);
      const dets = await engine.detect((await decodePhoto(join(GROUP, file))).image);
      // each annotated face has a detection centred inside its box
      for (const t of truth) {
        const hit = dets.some((d) => {
          const cx = d.box.x + d.box.width / 2, cy = d.box.y + d.box.height / 2;
          return cx >= t.left && cx <= t.left + t.width && cy >= t.top && cy <= t.top + t.height;
        });
        expect(hit, `${file} ${JSON.stringify(t)}`).toBe(true);
      }
    }
  });
});
