/** The app-wide state: the library, the scan, the engine info; kept fresh by the engine's events. */
import type { AppInfo, LearningJob, LearningState, LibraryState, ScanProgress, ScanState, TrainProgress } from '../../../app/contract/contract';
import { api } from './api';
import { toasts } from './toasts.svelte';
import { moveOutcomeText } from './face-models';

class AppState {
  library = $state<LibraryState | null>(null);
  scan = $state<ScanState | null>(null);
  info = $state<AppInfo | null>(null);
  /**
   * "Learn from my corrections": loaded at start (the navigation shows the faces left to check)
   * and when its screen opens, then kept fresh by events.
   */
  learning = $state<LearningState | null>(null);
  /** Bumped whenever people change: screens reload their data. */
  peopleVersion = $state(0);
  loadError = $state<string | null>(null);
  private started = false;
  /** The Learn screen is open: it reloads the learning state itself whenever people change. */
  learnScreenOpen = false;

  async refresh(): Promise<void> {
    try {
      const lib = await api().call('library.state');
      this.library = lib;
      this.scan = lib.scan;
      this.loadError = null;
    } catch (e) {
      this.loadError = (e as Error).message;
    }
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await api().call('app.info');
    } catch {
      /* shown as unknown in settings */
    }
  }

  private learningAsked = 0;
  /** The last request asked for, which every overlapping request waits for. */
  private learningLatest: Promise<void> = Promise.resolve();

  /**
   * Asks for the learning state; of overlapping requests only the last one asked is kept, and each
   * resolves once that one is in place, so a caller that asked after saving an answer never sees a
   * state older than its answer (a screen that stops hiding an answered face then does not show it
   * again for a moment, where a click could act on it).
   */
  loadLearning(): Promise<void> {
    const mine = ++this.learningAsked;
    const request = (async () => {
      try {
        const state = await api().call('learning.state');
        if (mine === this.learningAsked) this.learning = state;
      } catch (e) {
        if (mine === this.learningAsked) this.learning = null;
        throw e;
      }
    })();
    this.learningLatest = request.catch(() => undefined);
    return this.settled(mine, request);
  }

  private async settled(mine: number, request: Promise<void>): Promise<void> {
    await request.catch((e) => {
      if (mine === this.learningAsked) throw e;
    });
    // Superseded: wait for the request that will be kept (it may itself be superseded).
    while (mine !== this.learningAsked) {
      mine = this.learningAsked;
      await this.learningLatest;
    }
  }

  private onLearningProgress(p: TrainProgress): void {
    const l = this.learning;
    if (!l) return;
    const progress = l.job.running ? [...l.job.progress.filter((x) => x.epoch < p.epoch), p] : [p];
    this.learning = { ...l, job: { ...l.job, running: true, progress, outcome: null, error: null, cancelled: false } };
  }

  private onLearningState(job: LearningJob): void {
    const was = this.learning?.job.running ?? false;
    if (this.learning) this.learning = { ...this.learning, job };
    if (job.running) return;
    if (was || this.learning === null) {
      if (job.outcome) toasts.show(job.outcome.adopted ? 'Learning finished: the new version is in use' : 'Learning finished: the current version was kept');
      else if (job.cancelled) toasts.show('Training cancelled: nothing changed');
      else if (job.error) toasts.error(`Training failed: ${job.error}`);
    }
    // The summary (versions, counts) changed with the job.
    void this.loadLearning().catch(() => undefined);
  }

  /** Desktop app: the native folder dialog, then the folder joins the library. */
  async addFolderViaDialog(): Promise<void> {
    try {
      const p = await api().call('shell.chooseFolder');
      if (p) this.library = await api().call('library.addFolder', { path: p });
    } catch (e) {
      toasts.error((e as Error).message);
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const a = api();
    a.on('scan.progress', (p: ScanProgress) => {
      if (this.scan) this.scan = { ...this.scan, running: true, progress: p };
    });
    a.on('scan.fileError', (f) => {
      if (this.scan) this.scan = { ...this.scan, failed: [...this.scan.failed, f].slice(-500) };
    });
    a.on('scan.state', (s: ScanState) => {
      this.scan = s;
    });
    a.on('scan.finished', (f) => {
      if (!f.cancelled) toasts.show(`Scan finished: ${f.indexed.toLocaleString()} new photo${f.indexed === 1 ? '' : 's'}, ${f.faces.toLocaleString()} faces`);
      void this.refresh();
      void this.loadInfo();
    });
    a.on('learning.progress', (p) => this.onLearningProgress(p));
    a.on('learning.state', (j) => this.onLearningState(j));
    a.on('learning.reprojecting', (p) => {
      if (this.learning) this.learning = { ...this.learning, reprojecting: p };
    });
    // The move to another face model (Settings, "Face model"): live progress, then a notice and the new state.
    a.on('reembed.progress', (p) => {
      if (this.info) this.info = { ...this.info, libraryModel: { ...this.info.libraryModel, move: p, resumable: null } };
    });
    a.on('reembed.finished', (o) => {
      const text = moveOutcomeText(o);
      if (o.outcome === 'failed' || o.error) toasts.error(text);
      else toasts.show(text);
      void this.loadInfo();
    });
    a.on('people.changed', () => {
      this.peopleVersion++;
      void this.refresh();
      // Answers (on any screen) close faces left to check: keep the count in step (the Learn
      // screen, when open, reloads the state itself).
      if (!this.learnScreenOpen && this.learning?.summary?.changes?.open) void this.loadLearning().catch(() => undefined);
    });
    void this.refresh();
    void this.loadInfo();
    void this.loadLearning().catch(() => undefined);
  }
}

export const appState = new AppState();
