import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Finding or building the `temporal` CLI, whose `server start-dev` is the Temporal server of development,
 * tests and CI. The SDK's own download is tried by runtime/temporal-dev-server.ts between the two steps here.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const MINIMUM_GO = [1, 25] as const;

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function goBinDirectories(): string[] {
  const dirs = [];
  if (process.env.GOBIN) dirs.push(process.env.GOBIN);
  if (process.env.GOPATH)
    dirs.push(...process.env.GOPATH.split(path.delimiter).map((dir) => path.join(dir, 'bin')));
  dirs.push(path.join(os.homedir(), 'go', 'bin'));
  return dirs;
}

/**
 * TEMPORAL_CLI_PATH when configured (an error if it is not an executable), else `temporal` on PATH, else in
 * the Go binaries folder.
 */
export function findTemporalCli(configuredPath: string | undefined): string | undefined {
  if (configuredPath !== undefined) {
    if (!isExecutable(configuredPath)) {
      throw new Error(`TEMPORAL_CLI_PATH: ${configuredPath} is not an executable temporal CLI`);
    }
    return configuredPath;
  }
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    ...goBinDirectories(),
  ].map((dir) => path.join(dir, 'temporal'));
  return candidates.find(isExecutable);
}

function findGo(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/go/bin'];
  return dirs.map((dir) => path.join(dir, 'go')).find(isExecutable);
}

export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

/** The Go toolchain, when it is recent enough to build the CLI. */
export async function findUsableGo(): Promise<{ go: string; version: string } | undefined> {
  const go = findGo();
  if (!go) return undefined;
  const version = await run(go, ['env', 'GOVERSION']).catch(() => '');
  const match = /^go(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const recentEnough = major > MINIMUM_GO[0] || (major === MINIMUM_GO[0] && minor >= MINIMUM_GO[1]);
  return recentEnough ? { go, version } : undefined;
}

/**
 * `go install` of `modules` (several minutes the first time: a Temporal server is a large program), printing
 * the downloads, a count of the packages as they compile and the elapsed time, so that nobody takes it for a
 * hang. `gobin` sends the binaries elsewhere than Go's own folder.
 */
export async function goInstall(
  go: string,
  options: { what: string; modules: string[]; gobin?: string },
  progress: (line: string) => void,
): Promise<void> {
  progress(`Building ${options.what} with Go: go install ${options.modules.join(' ')} (a few minutes, once)`);
  const started = Date.now();
  const ticker = setInterval(() => {
    progress(`… still building ${options.what} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 15_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', '-v', ...options.modules], {
        stdio: ['ignore', 'inherit', 'pipe'],
        env: {
          ...process.env,
          CGO_ENABLED: process.env.CGO_ENABLED ?? '0',
          ...(options.gobin === undefined ? {} : { GOBIN: options.gobin }),
        },
      });
      let lastLines: string[] = [];
      let compiled = 0;
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          lastLines = [...lastLines.slice(-20), line];
          if (line.startsWith('go: downloading')) progress(line);
          else if (++compiled % 100 === 0) progress(`… ${compiled} packages compiled (${line})`);
        }
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`go install failed (exit ${code}):\n${lastLines.join('\n')}`)),
      );
    });
  } finally {
    clearInterval(ticker);
  }
  progress(`${options.what} built in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Builds the CLI into Go's binaries folder. */
export async function installTemporalCliWithGo(
  go: string,
  progress: (line: string) => void,
): Promise<string> {
  await goInstall(go, { what: 'the Temporal CLI', modules: [TEMPORAL_CLI_MODULE] }, progress);
  const gobin = (await run(go, ['env', 'GOBIN'])) || path.join(await run(go, ['env', 'GOPATH']), 'bin');
  const cli = path.join(gobin, 'temporal');
  if (!isExecutable(cli)) throw new Error(`go install finished but ${cli} is missing`);
  progress(`Temporal CLI: ${cli}`);
  return cli;
}
