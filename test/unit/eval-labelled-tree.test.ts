import { describe, expect, it } from 'vitest';
import { subjectFace } from '../../app/eval/labelled-tree';

const box = (id: number, x: number, y: number, w: number, h = w) => ({ id, x, y, w, h });

describe('subjectFace (the labelled face of an identity-tree image)', () => {
  it('prefers the face covering the image centre over a larger bystander (LFW crops)', () => {
    // Adrien_Brody_0004.jpg-like: a bystander's box (95 px) at the right, the subject (92 px) centred.
    const faces = [box(1, 131, 73, 95), box(2, 71, 64, 92)];
    expect(subjectFace(faces, 250, 250)?.id).toBe(2);
  });

  it('takes the largest of the faces covering the centre', () => {
    expect(subjectFace([box(1, 100, 100, 40), box(2, 80, 80, 90), box(3, 0, 0, 200, 60)], 250, 250)?.id).toBe(2);
  });

  it('falls back to the largest face when none covers the centre, and to null without faces', () => {
    expect(subjectFace([box(1, 0, 0, 50), box(2, 300, 10, 80)], 640, 480)?.id).toBe(2);
    expect(subjectFace([], 640, 480)).toBeNull();
  });
});
