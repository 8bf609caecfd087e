// The machine a run happened on, for the results file and BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './types.ts';

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty?.[1] !== undefined) return `${pretty[1]} (kernel ${release()})`;
  } catch {
    // Not Linux, or no os-release: the platform name will do.
  }
  return `${process.platform} ${release()}`;
}

export function machineInfo(runtimeVersion: string): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    runtimeVersion,
  };
}

/** The version of an installed npm package, or 'not installed'. */
export function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}
