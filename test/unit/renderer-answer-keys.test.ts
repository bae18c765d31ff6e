import { describe, expect, it } from 'vitest';
import { answerKey } from '../../renderer/src/lib/answer-keys';

const key = (k: string, mods: Partial<Pick<KeyboardEvent, 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>> = {}) =>
  ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...mods }) as KeyboardEvent;

describe('answerKey (the "Is this Anna?" keys)', () => {
  it('maps arrows, Y, Shift+Y, N and Delete', () => {
    expect(['ArrowRight', 'ArrowDown'].map((k) => answerKey(key(k)))).toEqual(['next', 'next']);
    expect(['ArrowLeft', 'ArrowUp'].map((k) => answerKey(key(k)))).toEqual(['previous', 'previous']);
    expect(answerKey(key('y'))).toBe('yes');
    expect(answerKey(key('Y', { shiftKey: true }))).toBe('yes-all');
    expect(['n', 'N', 'Delete'].map((k) => answerKey(key(k)))).toEqual(['no', 'no', 'no']);
  });

  it('takes extra yes keys, and nothing with Ctrl, Cmd or Alt or for other keys', () => {
    expect(answerKey(key('Enter'))).toBeNull();
    expect(answerKey(key('Enter'), ['Enter'])).toBe('yes');
    expect(answerKey(key('Enter', { shiftKey: true }), ['Enter'])).toBe('yes-all');
    for (const mod of ['ctrlKey', 'metaKey', 'altKey'] as const) expect(answerKey(key('y', { [mod]: true }))).toBeNull();
    expect(answerKey(key('o'))).toBeNull();
  });
});
