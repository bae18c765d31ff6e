/**
 * How many worker engines a CPU scan runs (scanWorkers, app/library/analyzer-pool.ts): one a core,
 * at most MAX_SCAN_WORKERS, and only as many as half the memory holds at SCAN_WORKER_MB each.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SCAN_WORKERS, SCAN_WORKER_MB, scanWorkers } from '../../app/library/analyzer-pool';

const GB = 2 ** 30;

describe('scanWorkers', () => {
  it('one worker a core on a machine with memory to spare', () => {
    expect(scanWorkers(2, 24 * GB)).toBe(2);
    expect(scanWorkers(6, 16 * GB)).toBe(6);
  });

  it('at most MAX_SCAN_WORKERS on a many-core machine', () => {
    expect(MAX_SCAN_WORKERS).toBe(8);
    expect(scanWorkers(16, 128 * GB)).toBe(8);
    expect(scanWorkers(64, 512 * GB)).toBe(8);
  });

  it('fewer on a machine short of memory, never none', () => {
    // half of 4 GB at 300 MB a worker: 6
    expect(SCAN_WORKER_MB).toBe(300);
    expect(scanWorkers(8, 4 * GB)).toBe(6);
    expect(scanWorkers(8, 1 * GB)).toBe(1);
    expect(scanWorkers(8, 0.2 * GB)).toBe(1);
    expect(scanWorkers(1, 64 * GB)).toBe(1);
  });
});
