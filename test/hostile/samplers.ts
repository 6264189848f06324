/**
 * What the driver measures while driftwatch runs: /healthz latency, the process's memory and CPU,
 * and the fixture processes that outlive their poll.
 */
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicksPerSecond, readStat, scanMarked, type MarkedProcess } from './procs.js';
import { summarize, type LatencySummary } from './stats.js';

export interface HealthzFigures extends LatencySummary {
  /** Requests that failed (connection refused, reset, non-200). */
  errors: number;
  /** Requests with no answer within the sampler's timeout (counted at the timeout in the latencies). */
  timeouts: number;
}

/**
 * Open loop: a request every `everyMs` whether or not the previous one answered. A closed loop
 * (next request after the last answer) would record a 4 s stall as one slow sample among
 * hundreds; here it is the ~80 requests that were waiting, as a kubelet probing /healthz sees it.
 */
export function sampleHealthz(port: number, everyMs = 50, timeoutMs = 5000) {
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let stopped = false;
  const inFlight = new Set<() => void>();

  function once(): void {
    const started = performance.now();
    let settled = false;
    const done = (outcome: 'ok' | 'error' | 'timeout') => {
      if (settled) return;
      settled = true;
      inFlight.delete(cancel);
      if (stopped) return;
      if (outcome === 'error') errors++;
      else {
        if (outcome === 'timeout') timeouts++;
        latencies.push(outcome === 'timeout' ? timeoutMs : performance.now() - started);
      }
    };
    // A fresh connection each time (agent: false), as a health checker makes it.
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200 ? 'ok' : 'error'));
      res.on('error', () => done('error'));
    });
    const cancel = () => req.destroy();
    inFlight.add(cancel);
    req.on('timeout', () => {
      done('timeout');
      req.destroy();
    });
    req.on('error', () => done('error'));
    req.end();
  }

  const timer = setInterval(once, everyMs);
  return {
    /** Stops sampling; requests still waiting are dropped, not counted. */
    stop(): HealthzFigures {
      stopped = true;
      clearInterval(timer);
      for (const cancel of [...inFlight]) cancel();
      return { ...summarize(latencies), errors, timeouts };
    },
  };
}

/** VmRSS and VmHWM (peak RSS) of a live process, in bytes. */
export function readMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface CpuTimes {
  /** Seconds of CPU used by the process itself. */
  self: number;
  /**
   * Seconds used by its children that it has reaped, plus its live launchers (which start the
   * probed servers: sandbox/launcher.ts) and the servers they have reaped.
   */
  children: number;
}

/** Direct children of `pid` (every thread's), by /proc/<pid>/task/<tid>/children. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

export function readCpu(pid: number): CpuTimes | undefined {
  const s = readStat(pid);
  if (!s) return undefined;
  const hz = clockTicksPerSecond();
  let children = s.cutime + s.cstime;
  for (const child of childPids(pid)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const c = cmdline.includes('launcher-process.mjs') ? readStat(child) : undefined;
    if (c) children += c.utime + c.stime + c.cutime + c.cstime;
  }
  return { self: (s.utime + s.stime) / hz, children: children / hz };
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
export function readMachineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Microseconds during which some runnable task waited for a CPU (Linux PSI), or undefined where
 * the kernel has no PSI. The run's share of it tells a contended machine from a slow product.
 */
export function readCpuPressureMicros(): number | undefined {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some '));
    const total = /total=(\d+)/.exec(some ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  } catch {
    return undefined;
  }
}

export interface MemorySampler {
  stop(): { peakRss: number; lastRss: number; samples: number };
}

/** RSS every `everyMs`; the peak is the larger of the samples and the kernel's own high-water mark. */
export function sampleMemory(pid: number, everyMs = 250): MemorySampler {
  let peak = 0;
  let last = 0;
  let samples = 0;
  const read = () => {
    const m = readMemory(pid);
    if (!m) return;
    samples++;
    last = m.rss;
    peak = Math.max(peak, m.rss, m.hwm);
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return { peakRss: peak, lastRss: last, samples };
    },
  };
}

export interface LeakRecord {
  behaviour: string;
  pid: number;
  ageSeconds: number;
  command: string;
}

/**
 * Scans every `everyMs` for fixture processes older than their poll can last: the server's
 * timeout plus the probe's cleanup bound plus slack (`budgetSeconds(behaviour)`). A process
 * past that outlived the poll that started it, whatever the product thinks happened.
 */
export function watchLeaks(runId: string, exclude: () => ReadonlySet<number>, budgetSeconds: (behaviour: string) => number, everyMs = 1000) {
  const leaked = new Map<string, LeakRecord>();
  let maxAlive = 0;
  const scan = (): MarkedProcess[] => {
    const procs = scanMarked(runId, exclude());
    maxAlive = Math.max(maxAlive, procs.length);
    for (const p of procs) {
      if (p.ageSeconds <= budgetSeconds(p.behaviour)) continue;
      const prior = leaked.get(p.key);
      leaked.set(p.key, { behaviour: p.behaviour, pid: p.pid, ageSeconds: Math.max(prior?.ageSeconds ?? 0, p.ageSeconds), command: p.command });
    }
    return procs;
  };
  const timer = setInterval(scan, everyMs);
  return {
    scan,
    stop() {
      clearInterval(timer);
      scan();
      return { leaked: [...leaked.values()], maxAlive };
    },
  };
}
