// The simulated OCP's live state: hosts, their agent processes and the asynchronous agent tasks, and how
// each is shown in the API. Time-based changes (tasks finishing) are applied lazily whenever state is read.

import type { ProcessStatus, SimOcpConfig } from './config.js';

/** One agent process, live. Tests may read it, or change it through `setProcessStatus`. */
export interface SimProcess {
  readonly id: number;
  readonly hostId: number;
  readonly alias: string;
  status: ProcessStatus;
  operable: boolean;
  /** 0 when stopped. */
  pid: number;
  user: string;
  startCommand: string;
  ports: string;
  logFilePattern: string;
  /** When the process last started (ms since the epoch), or null when stopped. */
  startedAt: number | null;
  lastActiveAt: number;
  readonly createdAt: number;
  updatedAt: number;
  /** How many stop and restart requests changed this process. */
  stops: number;
  restarts: number;
}

export interface SimHost {
  readonly id: number;
  name: string;
  ip: string;
  status: string;
  agentStatus: 'ONLINE' | 'OFFLINE';
  readonly processes: SimProcess[];
  readonly createdAt: number;
}

export type SimTaskStatus = 'RUNNING' | 'SUCCESSFUL' | 'FAILED';

/** A host agent stop or restart task. */
export interface SimTask {
  readonly id: number;
  readonly name: string;
  readonly hostId: number;
  readonly action: 'stop' | 'restart';
  status: SimTaskStatus;
  readonly createdAt: number;
  /** When the task ends (ms since the epoch). */
  readonly finishAt: number;
  readonly willFail: boolean;
}

/** Live OCP state, for tests' setup and assertions. */
export interface SimOcpView {
  host(id: number): SimHost | undefined;
  process(hostId: number, processId: number): SimProcess | undefined;
  hosts(): SimHost[];
  task(id: number): SimTask | undefined;
  tasks(): SimTask[];
  /** Puts a process in a state directly (a stopped process gets pid 0, a started one a new pid). */
  setProcessStatus(hostId: number, processId: number, status: ProcessStatus): void;
}

/** Formats a time the way OCP does: ISO 8601 with an explicit offset. */
export function ocpTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** How many formatted times `OcpState.time` remembers before it starts afresh. */
const RECENT_TIMES = 1024;

export class OcpState implements SimOcpView {
  private readonly hostMap = new Map<number, SimHost>();
  private readonly taskMap = new Map<number, SimTask>();
  private nextPid = 20000;
  private nextTaskId = 100001;
  /** Tasks still RUNNING: while there are none, reading state has nothing to settle. */
  private runningTasks = 0;
  private readonly recentTimes = new Map<number, string>();

  constructor(private readonly config: SimOcpConfig) {
    const now = Date.now();
    for (const h of config.hosts) {
      this.hostMap.set(h.id, {
        id: h.id,
        name: h.name,
        ip: h.ip,
        status: h.status,
        agentStatus: h.agentStatus,
        createdAt: now,
        processes: h.processes.map((p) => ({
          id: p.id,
          hostId: h.id,
          alias: p.alias,
          status: p.status,
          operable: p.operable,
          pid: p.status === 'STARTED' ? this.allocatePid() : 0,
          user: p.user,
          startCommand: p.startCommand,
          ports: p.ports,
          logFilePattern: p.logFilePattern,
          startedAt: p.status === 'STARTED' ? now : null,
          lastActiveAt: now,
          createdAt: now,
          updatedAt: now,
          stops: 0,
          restarts: 0,
        })),
      });
    }
  }

  /**
   * `ocpTime`, remembered: every answer carries several times, mostly the same few (now, the creation
   * time), so each is formatted once rather than in every answer.
   */
  time(ms: number): string {
    let text = this.recentTimes.get(ms);
    if (text === undefined) {
      if (this.recentTimes.size >= RECENT_TIMES) this.recentTimes.clear();
      text = ocpTime(ms);
      this.recentTimes.set(ms, text);
    }
    return text;
  }

  private allocatePid(): number {
    this.nextPid += 1;
    return this.nextPid;
  }

  host(id: number): SimHost | undefined {
    this.settle();
    return this.hostMap.get(id);
  }

  process(hostId: number, processId: number): SimProcess | undefined {
    return this.host(hostId)?.processes.find((p) => p.id === processId);
  }

  hosts(): SimHost[] {
    this.settle();
    return [...this.hostMap.values()];
  }

  task(id: number): SimTask | undefined {
    this.settle();
    return this.taskMap.get(id);
  }

  tasks(): SimTask[] {
    this.settle();
    return [...this.taskMap.values()];
  }

  setProcessStatus(hostId: number, processId: number, status: ProcessStatus): void {
    const p = this.process(hostId, processId);
    if (!p) throw new Error(`No process ${processId} on simulated host ${hostId}`);
    if (status === 'STOPPED') this.markStopped(p);
    else this.markStarted(p);
  }

  /** Stops a process now (the API's stop, after its delay). */
  stopProcess(p: SimProcess): void {
    this.markStopped(p);
    p.stops += 1;
  }

  /** Restarts a process now: new pid, started now. */
  restartProcess(p: SimProcess): void {
    this.markStarted(p);
    p.restarts += 1;
  }

  private markStopped(p: SimProcess): void {
    const now = Date.now();
    if (p.status === 'STARTED') p.lastActiveAt = now;
    p.status = 'STOPPED';
    p.pid = 0;
    p.startedAt = null;
    p.updatedAt = now;
  }

  private markStarted(p: SimProcess): void {
    const now = Date.now();
    p.status = 'STARTED';
    p.pid = this.allocatePid();
    p.startedAt = now;
    p.lastActiveAt = now;
    p.updatedAt = now;
  }

  /** Starts a host agent stop or restart task; it ends after `taskDurationMs`. */
  startAgentTask(host: SimHost, action: 'stop' | 'restart'): SimTask {
    const now = Date.now();
    const task: SimTask = {
      id: this.nextTaskId,
      name: action === 'stop' ? `Stop host agent (${host.name})` : `Restart host agent (${host.name})`,
      hostId: host.id,
      action,
      status: 'RUNNING',
      createdAt: now,
      finishAt: now + this.config.taskDurationMs,
      willFail: this.config.failTaskHosts.includes(host.id),
    };
    this.nextTaskId += 1;
    this.taskMap.set(task.id, task);
    this.runningTasks += 1;
    this.settle();
    return task;
  }

  /** Applies every task that has ended by now, in order of end time. */
  private settle(): void {
    if (this.runningTasks === 0) return;
    const now = Date.now();
    const due = [...this.taskMap.values()]
      .filter((t) => t.status === 'RUNNING' && t.finishAt <= now)
      .sort((a, b) => a.finishAt - b.finishAt);
    for (const t of due) {
      t.status = t.willFail ? 'FAILED' : 'SUCCESSFUL';
      this.runningTasks -= 1;
      const host = this.hostMap.get(t.hostId);
      if (host && !t.willFail) host.agentStatus = t.action === 'stop' ? 'OFFLINE' : 'ONLINE';
    }
  }

  /** The HostAgentProcess object of the API. String fields are null on a stopped process, as on OCP. */
  processJson(p: SimProcess): Record<string, unknown> {
    const now = Date.now();
    const started = p.status === 'STARTED';
    return {
      id: p.id,
      hostId: p.hostId,
      alias: p.alias,
      pid: started ? p.pid : 0,
      user: started ? p.user : null,
      startCommand: started ? p.startCommand : null,
      ports: started ? p.ports : null,
      elapsedTime: started && p.startedAt !== null ? Math.floor((now - p.startedAt) / 1000) : 0,
      lastActiveTime: this.time(started ? now : p.lastActiveAt),
      status: p.status,
      operable: p.operable,
      logFilePattern: p.logFilePattern,
      createTime: this.time(p.createdAt),
      updateTime: this.time(p.updatedAt),
    };
  }

  hostJson(h: SimHost): Record<string, unknown> {
    return {
      id: h.id,
      name: h.name,
      innerIpAddress: h.ip,
      publicIpAddress: null,
      sshPort: 22,
      status: h.status,
      kind: 'DEDICATED_PHYSICAL_MACHINE',
      architecture: 'x86_64',
      operatingSystem: 'CentOS',
      operatingSystemRelease: '7.9',
      idcName: 'sim-idc',
      regionName: 'sim-region',
      createTime: this.time(h.createdAt),
      updateTime: this.time(h.createdAt),
    };
  }

  agentJson(h: SimHost): Record<string, unknown> {
    return {
      id: h.id,
      hostId: h.id,
      hostName: h.name,
      hostIp: h.ip,
      version: '4.2.0-sim',
      status: h.agentStatus,
      processes: h.processes.map((p) => this.processJson(p)),
      createTime: this.time(h.createdAt),
      updateTime: this.time(h.createdAt),
    };
  }

  taskJson(t: SimTask): Record<string, unknown> {
    return {
      id: t.id,
      name: t.name,
      type: 'MANUAL',
      operation: 'EXECUTE',
      status: t.status,
      creator: 'admin',
      hostId: t.hostId,
      createTime: this.time(t.createdAt),
      startTime: this.time(t.createdAt),
      finishTime: t.status === 'RUNNING' ? null : this.time(t.finishAt),
    };
  }
}
