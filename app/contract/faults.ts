/**
 * Machine faults: conditions of the machine, not of a photo (a full disk, a read-only or vanished
 * library folder, the library locked by another Visage, a photo folder that went offline). A long
 * operation that meets one stops (its work stays resumable) and says ONE sentence: what happened,
 * what to do, and that nothing was lost. No photo gets an error record for it.
 *
 * Pure strings and types: the renderer shows `message` as it is (the Scan screen's banner).
 */

export type MachineFaultKind = 'disk-full' | 'read-only' | 'library-offline' | 'locked' | 'folder-offline';

export interface MachineFaultInfo {
  kind: MachineFaultKind;
  /** The folder or file concerned (library folder, photo folder). */
  path: string;
  /** The one sentence shown to the user. */
  message: string;
  /** The underlying error (SQLite or system code and text), for logs and `--json`. */
  detail: string;
}

/** What to do again once the cause is fixed: 'scan' says the scan resumes where it stopped. */
export type FaultAction = 'scan' | 'command';

export function faultSentence(kind: MachineFaultKind, where: string, action: FaultAction = 'command'): string {
  const again =
    action === 'scan' ? 'run the scan again; nothing was lost and it resumes where it stopped' : 'run it again; nothing was lost';
  switch (kind) {
    case 'disk-full':
      return `The disk holding the library (${where}) is full: free some space and ${again}.`;
    case 'read-only':
      return `The library folder ${where} cannot be written to (read-only or not permitted): make it writable and ${again}.`;
    case 'library-offline':
      return `The library folder ${where} cannot be reached (drive unplugged or network share gone): reconnect it and ${again}.`;
    case 'locked':
      return `The library ${where} is busy in another Visage (the app or another command): wait for it to finish or close it, then ${again}.`;
    case 'folder-offline':
      return `The photo folder ${where} went offline (drive unplugged or network share gone): reconnect it and ${again}; its photos stay in the library.`;
  }
}

/** Exit code of a CLI command stopped by a machine fault (sysexits EX_TEMPFAIL: try again later). */
export const EXIT_MACHINE_FAULT = 75;
