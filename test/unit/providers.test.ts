import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession, gpuCandidates } from '../../app/faces/onnx-session';
import { MODELS_DIR } from '../helpers/paths';

describe('execution providers', () => {
  it('falls back to CPU when a requested GPU provider cannot start, and says why', async () => {
    // This machine has no GPU adapter: WebGPU fails. Where it has one, WebGPU may run instead.
    const s = await createSession(join(MODELS_DIR, 'rfb320.onnx'), { provider: 'webgpu', threads: 1 });
    if (s.provider === 'cpu') {
      expect(s.fallbacks.map((f) => f.provider)).toEqual(['webgpu']);
      expect(s.fallbacks[0]!.error.length).toBeGreaterThan(0);
    } else {
      expect(s.provider).toBe('webgpu');
    }
    await s.session.release();
  });

  it('auto picks a platform GPU provider or CPU, and reports which one runs', async () => {
    const s = await createSession(join(MODELS_DIR, 'rfb320.onnx'), { provider: 'auto', threads: 1 });
    expect(['cpu', ...gpuCandidates()]).toContain(s.provider);
    expect(s.session.inputNames).toEqual(['input']);
    await s.session.release();
  });

  it('cpu runs on CPU with no fallbacks', async () => {
    const s = await createSession(join(MODELS_DIR, 'rfb320.onnx'), { provider: 'cpu', threads: 1 });
    expect(s.provider).toBe('cpu');
    expect(s.fallbacks).toEqual([]);
    await s.session.release();
  });
});
