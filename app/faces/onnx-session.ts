/**
 * ONNX Runtime sessions with execution-provider selection.
 *
 * `auto` tries the GPU providers this platform's onnxruntime-node build can have, in order of
 * preference, and falls back to CPU when one fails to create a session (a WebGPU session on a
 * machine without an adapter throws "Failed to get a WebGPU adapter"; CUDA throws when its
 * provider library was not installed). A provider that failed once is not tried again in this
 * process, so the cost of the probe (~0.4 s for WebGPU) is paid once.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/**
 * onnxruntime-node 1.30's Linux build starts Microsoft's 1DS telemetry client with the first
 * inference session. That client reads /proc/self/cmdline and matches it with a std::regex whose
 * recursion takes one stack frame per character: a command line over ~32 KB (about 330 photo paths
 * from a shell glob; the 8 MB main-thread stack) or ~16 KB in a worker thread (4 MB stack) kills
 * the process with SIGSEGV. Shortening `process.argv` or creating the session in a worker with
 * `argv: []` does not help (the kernel's cmdline is unchanged). `ORT_DISABLE_TELEMETRY=1` turns the
 * client off, which a private photo manager wants anyway (it would post to
 * mobile.events.data.microsoft.com). ORT reads it with getenv() when the first session is created,
 * so it must be in the process's real environment: assigning `process.env` on the main thread calls
 * setenv(); in a worker thread `process.env` is a private copy, so workers rely on the main thread
 * having set it before they start (importing this module on the main thread does).
 */
export function disableOrtTelemetry(): void {
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY = '1';
}
disableOrtTelemetry();

/** Throws, rather than letting ORT crash the process, when the telemetry switch is not in place. */
function assertTelemetryOff(): void {
  if (process.env.ORT_DISABLE_TELEMETRY !== '1') {
    throw new Error('ORT_DISABLE_TELEMETRY=1 must be set on the main thread before a worker creates ONNX sessions (see onnx-session.ts)');
  }
}

export type ProviderName = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export type ProviderChoice = 'auto' | ProviderName;
export const PROVIDER_CHOICES: ProviderChoice[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export interface SessionOptions {
  provider?: ProviderChoice;
  /** Intra-op threads for the CPU provider; default: all cores, at most 4. */
  threads?: number;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  /** Providers that were tried and failed, with the reason. */
  fallbacks: { provider: ProviderName; error: string }[];
}

const failedProviders = new Map<ProviderName, string>();

/** Is the CUDA provider library present next to the onnxruntime-node binding? */
function cudaInstalled(): boolean {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    const dir = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(dir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

const LINUX_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib'];

/** Is a Vulkan loader installed (needed by WebGPU's Dawn backend on Linux)? */
export function vulkanLoaderPresent(): boolean {
  return LINUX_LIB_DIRS.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** GPU providers worth trying on this platform, best first. */
export function gpuCandidates(): ProviderName[] {
  switch (process.platform) {
    case 'win32':
      return ['dml', 'webgpu'];
    case 'darwin':
      return ['coreml', 'webgpu'];
    case 'linux':
      // WebGPU on Linux runs through Vulkan: without a Vulkan loader it cannot find an adapter.
      return [...(cudaInstalled() ? (['cuda'] as ProviderName[]) : []), ...(vulkanLoaderPresent() ? (['webgpu'] as ProviderName[]) : [])];
    default:
      return [];
  }
}

function defaultThreads(): number {
  const n = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, Math.min(4, n));
}

export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<LoadedSession> {
  assertTelemetryOff();
  const choice = opts.provider ?? 'auto';
  const candidates: ProviderName[] = choice === 'auto' ? gpuCandidates() : choice === 'cpu' ? [] : [choice];
  const fallbacks: LoadedSession['fallbacks'] = [];
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  for (const p of candidates) {
    const known = failedProviders.get(p);
    if (known && choice === 'auto') {
      fallbacks.push({ provider: p, error: known });
      continue;
    }
    try {
      const session = await load(model, { ...base, executionProviders: [p] });
      return { session, provider: p, fallbacks };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      failedProviders.set(p, msg);
      fallbacks.push({ provider: p, error: msg });
      if (choice !== 'auto') {
        // An explicitly requested provider that fails still falls back, but says so.
        break;
      }
    }
  }
  const session = await load(model, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', fallbacks };
}

function load(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

export { ort };
