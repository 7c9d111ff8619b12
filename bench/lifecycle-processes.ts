import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * The platform's processes as the benchmark runs them: each `node` command under a small shell of its own, in
 * its own process group. The shell reports the node process's pid (for /proc/<pid>/status, and to stop it with
 * SIGTERM: a graceful shutdown, which writes its CPU profile), and sends it SIGTERM as soon as the shell's
 * standard input closes, which happens when the benchmark ends however it ends (even SIGKILL): no web or worker
 * process outlives the run that started it. Their own process group keeps a Ctrl-C in the terminal for the
 * benchmark, which then stops them in order.
 */
const SUPERVISOR = [
  'exec 4<&0',
  '"$0" "$@" </dev/null 3>&- 4<&- &',
  'child=$!',
  'echo "$child" >&3',
  'exec 3>&-',
  '( read -r _ <&4; kill -TERM "$child" 2>/dev/null ) &',
  'watcher=$!',
  'wait "$child"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

export interface PlatformProcess {
  name: string;
  /** The node process itself (not its supervising shell). */
  pid: number;
  /** Settles when the process has ended, with its exit code (or signal). */
  exited: Promise<string>;
  readonly running: boolean;
  /** The last lines it wrote, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process exit hooks): SIGKILL to the whole group. */
  kill(): void;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function forwardLines(
  stream: Readable,
  name: string,
  tail: string[],
  quiet: boolean,
  onLine: ((line: string) => void) | undefined,
): void {
  createInterface({ input: stream }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    onLine?.(line);
    if (!quiet) process.stderr.write(`[${name}] ${line}\n`);
  });
}

export async function startPlatformProcess(options: {
  name: string;
  /** What to run: `node` (this process's own binary) unless another program is named. */
  command?: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Keeps its output for `tail()` without echoing it (a chatty server). */
  quiet?: boolean;
  /** Every line it writes, standard output and error alike (the chaos run reads them all for secrets). */
  onLine?: (line: string) => void;
}): Promise<PlatformProcess> {
  const command = options.command ?? process.execPath;
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, command, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  forwardLines(child.stdout!, options.name, tail, options.quiet ?? false, options.onLine);
  forwardLines(child.stderr!, options.name, tail, options.quiet ?? false, options.onLine);
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(String(code ?? signal));
    });
    child.once('error', (error) => {
      running = false;
      resolve(error.message);
    });
  });
  const pid = await new Promise<number>((resolve, reject) => {
    const pidPipe = child.stdio[3] as Readable;
    let text = '';
    pidPipe.setEncoding('utf8');
    pidPipe.on('data', (chunk: string) => (text += chunk));
    pidPipe.on('end', () => {
      const value = Number(text.trim());
      if (Number.isInteger(value) && value > 0) resolve(value);
      else reject(new Error(`${options.name}: the supervising shell did not report a pid`));
    });
    void exited.then((code) => {
      if (text === '') reject(new Error(`${options.name} exited at once (${code})`));
    });
  });

  return {
    name: options.name,
    pid,
    exited,
    get running() {
      return running;
    },
    tail: () => tail.join('\n'),
    async stop(graceMs = 20_000) {
      if (!running) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // The node process is gone already; its shell follows.
      }
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Anything the process itself started in its group goes with it.
      killGroup(child, 'SIGKILL');
    },
    kill() {
      if (running) killGroup(child, 'SIGKILL');
    },
  };
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a live process, in MB. */
export function residentMemory(pid: number): { peakMb: number; currentMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const round = (value: number) => Math.round((value / 1024) * 10) / 10;
    return { peakMb: round(kb('VmHWM')), currentMb: round(kb('VmRSS')) };
  } catch {
    return undefined;
  }
}

/**
 * Runs `cleanup` once, whichever comes first: the end of `main`, a failure, SIGINT/SIGTERM (then exits 130/143),
 * an exception nothing caught (then exits 1);
 * `killNow` is the synchronous last resort on process exit.
 */
export function installExitHooks(cleanup: () => Promise<void>, killNow: () => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = () => (running ??= cleanup());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (running !== undefined) {
        process.stderr.write(`${signal} again: stopping at once\n`);
        killNow();
        process.exit(code);
      }
      process.stderr.write(`${signal}: stopping everything the benchmark started…\n`);
      void once().finally(() => process.exit(code));
    });
  }
  // A failure nothing caught (a helper server's stray error event) still stops everything in order, and the
  // databases are dropped, rather than the process ending with only the last-resort kill.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const)
    process.on(event, (error: unknown) => {
      process.stderr.write(
        `${event}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      void once().finally(() => process.exit(1));
    });
  process.on('exit', killNow);
  return once;
}
