/**
 * The pod-volume restore's timeline, for finding its waits: from the CLI's start, when the restored
 * pod was created, scheduled and initialised, when its PodVolumeRestore was created, taken and
 * finished by the agent, what the agent and the restore-wait container logged (the kubelet's CRI
 * log lines, ns resolution), and when the application started. API timestamps have 1 s resolution;
 * the agent's own status times and the log lines are to the millisecond.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/index.ts';
import type { NodeEnv } from '../test/harness/node.ts';

export interface TraceEvent {
  atMs: number;
  what: string;
}

type Stamped = {
  metadata?: { creationTimestamp?: string; name?: string };
  status?: { acceptedTimestamp?: string; startTimestamp?: string; completionTimestamp?: string };
};

/** The events of one restore, sorted, as ms since `startedAt` (epoch ms). */
export async function restoreTimeline(options: {
  client: KubeClient;
  node: NodeEnv;
  startedAt: number;
  pod: V1Pod;
  agentPod: { name: string; uid: string; namespace: string };
  pvrPath: string;
  pvrSelector: string;
  extra: TraceEvent[];
}): Promise<TraceEvent[]> {
  const { startedAt } = options;
  const events: TraceEvent[] = [...options.extra];
  const add = (stamp: string | undefined | null, what: string) => {
    const t = stamp ? Date.parse(stamp) : NaN;
    if (Number.isFinite(t)) events.push({ atMs: t - startedAt, what });
  };
  const pod = options.pod;
  add(pod.metadata?.creationTimestamp as unknown as string, 'pod created (1 s)');
  for (const c of pod.status?.conditions ?? [])
    add(c.lastTransitionTime as unknown as string, `pod condition ${c.type}=${c.status} (1 s)`);
  for (const s of pod.status?.initContainerStatuses ?? []) {
    add(s.state?.terminated?.startedAt as unknown as string, `init ${s.name} started (1 s)`);
    add(s.state?.terminated?.finishedAt as unknown as string, `init ${s.name} finished (1 s)`);
  }
  for (const s of pod.status?.containerStatuses ?? [])
    add(s.state?.running?.startedAt as unknown as string, `container ${s.name} started (1 s)`);
  const list = await options.client.json<{ items: Stamped[] }>({
    path: options.pvrPath,
    query: { labelSelector: options.pvrSelector },
  });
  for (const pvr of list.items) {
    const name = pvr.metadata?.name ?? '';
    add(pvr.metadata?.creationTimestamp, `PodVolumeRestore ${name} created (1 s)`);
    add(pvr.status?.acceptedTimestamp, `PodVolumeRestore ${name} accepted by the agent`);
    add(pvr.status?.completionTimestamp, `PodVolumeRestore ${name} completed`);
  }
  const podDir = (ns: string, name: string, uid: string) =>
    join(options.node.podLogsDir, `${ns}_${name}_${uid}`);
  const ns = pod.metadata?.namespace ?? '';
  for (const [dir, who] of [
    [podDir(options.agentPod.namespace, options.agentPod.name, options.agentPod.uid), 'agent'],
    [podDir(ns, pod.metadata?.name ?? '', pod.metadata?.uid ?? ''), 'pod'],
  ] as const)
    events.push(...(await logEvents(dir, who, startedAt)));
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** The CRI log lines (`<RFC3339Nano> <stream> <P|F> <text>`) of every container under a pod's log dir. */
async function logEvents(dir: string, who: string, startedAt: number): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  const containers = await readdir(dir).catch(() => [] as string[]);
  for (const container of containers) {
    const files = await readdir(join(dir, container)).catch(() => [] as string[]);
    for (const f of files.filter((x) => x.endsWith('.log'))) {
      for (const line of (await readFile(join(dir, container, f), 'utf8')).split('\n')) {
        const [time, , , ...rest] = line.split(' ');
        const at = Date.parse(time ?? '') - startedAt;
        if (!Number.isFinite(at) || at < -1000) continue;
        out.push({ atMs: at, what: `${who} ${container}: ${shortLine(rest.join(' '))}` });
      }
    }
  }
  return out;
}

/** A JSON log line's message (with its time in ms), or the text cut short. */
function shortLine(text: string): string {
  try {
    const parsed = JSON.parse(text) as { msg?: unknown };
    if (typeof parsed.msg === 'string') return parsed.msg.slice(0, 140);
  } catch {
    // not JSON
  }
  return text.slice(0, 140);
}

/** The CLI's JSON log lines (`time` in epoch ms, `msg`) as events. */
export function cliLogEvents(text: string, startedAt: number): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    try {
      const parsed = JSON.parse(line) as { time?: unknown; msg?: unknown };
      if (typeof parsed.time === 'number' && typeof parsed.msg === 'string')
        out.push({ atMs: parsed.time - startedAt, what: `cli: ${parsed.msg.slice(0, 140)}` });
    } catch {
      // not a log line
    }
  }
  return out;
}

export function formatTimeline(events: readonly TraceEvent[]): string {
  return events.map((e) => `${(e.atMs / 1000).toFixed(3).padStart(8)} s  ${e.what}`).join('\n');
}
