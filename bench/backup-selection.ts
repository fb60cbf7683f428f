/**
 * The selected-namespaces cases of the backup benchmark (issue 14): the workload's namespaces picked
 * by a glob (`--include-namespaces 'bench-*'`) and by an explicit comma list of the same namespaces,
 * each measured against (a) the whole-cluster backup of the same estate and (b) the floor of the
 * selection — a bare paged LIST of only the selected namespaces' objects, the cheaper of one
 * cluster-wide LIST per type filtered client-side and concurrent per-namespace LISTs (bench/floor.ts).
 * Their runs interleave with the whole-cluster ones: one round = every side once. The glob and the
 * list select the same objects, so they share one floor: the floor runs of both (each made with its
 * own --include-namespaces) are pooled when their item counts agree. Every figure is a median, shown
 * with its spread (min-max of the runs, and of each round's lifeboat / floor), so that no single
 * outlier decides a verdict.
 */
import { namespaceNames, type WorkloadShape } from '../test/helpers/workload.ts';
import { runBackup, runFloor, type BackupRun, type FloorRun } from './backup-runs.ts';
import {
  formatSpread,
  log,
  median,
  pairedRatios,
  round,
  seconds,
  spread,
  table,
  type BenchControlPlane,
} from './common.ts';

/** Targets from issue 14: a selection's backup against the whole cluster's, and against its floor. */
export const SELECTION_TARGET_VS_WHOLE = 1.2;
export const SELECTION_TARGET_VS_FLOOR = 1.5;

const STRATEGIES = ['cluster', 'namespaces'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface SelectionCase {
  selection: 'glob' | 'list';
  /** How the table shows it. */
  label: string;
  /** The value of --include-namespaces. */
  includeNamespaces: string;
  namespaces: number;
}

interface Stats {
  wallMs: number;
  processMs: number;
  cpuMs: number;
  maxRssMB: number;
  items: number;
}

/** Medians of runs, with the spread of their wall times. */
interface RunStats<T> extends Stats {
  minWallMs: number;
  maxWallMs: number;
  runs: T[];
}

export interface SelectionResult {
  selection: 'glob' | 'list';
  label: string;
  /** The glob as given; an explicit list is left out (it is every workload namespace). */
  includeNamespaces?: string;
  namespaces: number;
  floor: {
    /** The cheaper strategy (by median wall time): this side's wall time and items are its. */
    strategy: Strategy;
    wallMs: number;
    minWallMs: number;
    maxWallMs: number;
    items: number;
    /** The other selection cases whose floor runs are pooled with this one's (same objects). */
    pooledWith: string[];
    byStrategy: Record<Strategy, RunStats<FloorRun>>;
  };
  lifeboat: RunStats<BackupRun>;
  /** lifeboat / the whole-cluster backup of the same estate (target SELECTION_TARGET_VS_WHOLE). */
  vsWhole: number;
  /** lifeboat / the selection's floor, medians (target SELECTION_TARGET_VS_FLOOR). */
  vsFloor: number;
  /** Each round's lifeboat run / the same round's floor run (the cheaper strategy's, this case's own). */
  vsFloorByRound: number[];
}

/** The workload's namespaces by glob and by explicit list. */
function selectionCases(shape: WorkloadShape): SelectionCase[] {
  const names = namespaceNames(shape);
  return [
    {
      selection: 'glob',
      label: `'${shape.prefix}-*'`,
      includeNamespaces: `${shape.prefix}-*`,
      namespaces: names.length,
    },
    {
      selection: 'list',
      label: `list of ${names.length}`,
      includeNamespaces: names.join(','),
      namespaces: names.length,
    },
  ];
}

function stats<T extends Stats>(runs: readonly T[]): RunStats<T> {
  const wall = spread(runs.map((r) => r.wallMs));
  return {
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    minWallMs: wall.min,
    maxWallMs: wall.max,
    processMs: Math.round(median(runs.map((r) => r.processMs))),
    cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
    maxRssMB: round(median(runs.map((r) => r.maxRssMB)), 1),
    items: median(runs.map((r) => r.items)),
    runs: [...runs],
  };
}

/** The measured runs of the selection cases at one size, a round at a time. */
export class SelectionRuns {
  readonly #plane: BenchControlPlane;
  readonly #o: { size: number; config: string; bucket: string };
  readonly #cases: SelectionCase[];
  readonly #floors = new Map<string, Record<Strategy, FloorRun[]>>();
  readonly #backups = new Map<string, BackupRun[]>();

  constructor(
    plane: BenchControlPlane,
    o: { size: number; shape: WorkloadShape; config: string; bucket: string },
  ) {
    this.#plane = plane;
    this.#o = o;
    this.#cases = selectionCases(o.shape);
    for (const c of this.#cases) {
      this.#floors.set(c.selection, { cluster: [], namespaces: [] });
      this.#backups.set(c.selection, []);
    }
  }

  /** Untimed: one run of every side, which also shows the item counts agree. */
  async warmUp(): Promise<void> {
    for (const c of this.#cases) {
      const counts: number[] = [];
      for (const strategy of STRATEGIES) {
        const f = await this.#floor(c, strategy);
        counts.push(f.items);
        log(`warm-up floor ${c.label} by ${strategy}: ${f.items} items in ${seconds(f.wallMs)}`);
      }
      if (new Set(counts).size > 1)
        log(`WARNING: the floor's strategies disagree on ${c.label}: ${counts.join(' / ')} items`);
      const b = await this.#backup(c, 'warm-up');
      log(`warm-up lifeboat ${c.label}: ${b.items} items in ${seconds(b.wallMs)}`);
    }
  }

  async round(n: number, of: number): Promise<void> {
    for (const c of this.#cases) {
      const floors = this.#floors.get(c.selection)!;
      for (const strategy of STRATEGIES) {
        const f = await this.#floor(c, strategy);
        floors[strategy].push(f);
        log(`run ${n}/${of} floor ${c.label} by ${strategy}: ${f.items} items, ${seconds(f.wallMs)}`);
      }
      const b = await this.#backup(c, String(n));
      this.#backups.get(c.selection)!.push(b);
      log(
        `run ${n}/${of} lifeboat ${c.label}: ${b.items} items, ${seconds(b.wallMs)}, ${b.maxRssMB} MB (${b.phase})`,
      );
    }
  }

  /** Medians, spreads and ratios, given the median wall time of the whole-cluster backup. */
  result(wholeLifeboatMs: number): SelectionResult[] {
    const pooled = this.#pooledFloors();
    return this.#cases.map((c) => {
      const { runs, with: pooledWith } = pooled.get(c.selection)!;
      const byStrategy = { cluster: stats(runs.cluster), namespaces: stats(runs.namespaces) };
      const strategy: Strategy =
        byStrategy.namespaces.wallMs < byStrategy.cluster.wallMs ? 'namespaces' : 'cluster';
      const floor = byStrategy[strategy];
      const backups = this.#backups.get(c.selection)!;
      const lifeboat = stats(backups);
      return {
        selection: c.selection,
        label: c.label,
        ...(c.selection === 'glob' ? { includeNamespaces: c.includeNamespaces } : {}),
        namespaces: c.namespaces,
        floor: {
          strategy,
          wallMs: floor.wallMs,
          minWallMs: floor.minWallMs,
          maxWallMs: floor.maxWallMs,
          items: floor.items,
          pooledWith,
          byStrategy,
        },
        lifeboat,
        vsWhole: round(lifeboat.wallMs / wholeLifeboatMs, 2),
        vsFloor: round(lifeboat.wallMs / floor.wallMs, 2),
        vsFloorByRound: pairedRatios(backups, this.#floors.get(c.selection)![strategy]),
      };
    });
  }

  /**
   * The floor runs each case is measured against: the glob and the list select the same objects, so
   * when every floor run of every case counted the same items, all of them are one floor (twice the
   * runs, and the same figure for both rows); otherwise each case keeps its own, with a warning.
   */
  #pooledFloors(): Map<string, { runs: Record<Strategy, FloorRun[]>; with: string[] }> {
    const all = this.#cases.flatMap((c) => STRATEGIES.flatMap((s) => this.#floors.get(c.selection)![s]));
    const counts = new Set(all.map((r) => r.items));
    const labels = this.#cases.map((c) => c.label);
    const pooled = new Map<string, { runs: Record<Strategy, FloorRun[]>; with: string[] }>();
    if (counts.size > 1)
      log(`WARNING: the selections' floors counted different items: ${[...counts].join(' / ')}`);
    for (const c of this.#cases) {
      if (counts.size > 1) {
        pooled.set(c.selection, { runs: this.#floors.get(c.selection)!, with: [] });
        continue;
      }
      const runs = (s: Strategy) => this.#cases.flatMap((o) => this.#floors.get(o.selection)![s]);
      pooled.set(c.selection, {
        runs: { cluster: runs('cluster'), namespaces: runs('namespaces') },
        with: labels.filter((l) => l !== c.label),
      });
    }
    return pooled;
  }

  #floor(c: SelectionCase, strategy: Strategy): Promise<FloorRun> {
    return runFloor(this.#plane, ['--include-namespaces', c.includeNamespaces, '--strategy', strategy]);
  }

  #backup(c: SelectionCase, run: string): Promise<BackupRun> {
    return runBackup(this.#plane, {
      name: `bench-${this.#o.size}-${c.selection}-${run}`,
      config: this.#o.config,
      bucket: this.#o.bucket,
      args: ['--include-namespaces', c.includeNamespaces],
    });
  }
}

/** What the selection table needs of one size's whole-cluster result. */
export interface SelectionRow {
  shape: string;
  targetObjects: number;
  floor: { wallMs: number; items: number; runs: readonly { wallMs: number }[] };
  lifeboat: { wallMs: number; cpuMs: number; items: number; runs: readonly { wallMs: number }[] };
  ratio: number;
  selections: SelectionResult[];
}

const verdict = (ratio: number, target: number) => (ratio <= target ? `ok <=${target}x` : `MISS >${target}x`);

/** Whole cluster, glob and list per shape and size: each against the whole-cluster backup and its floor. */
export function formatSelectionTable(results: readonly SelectionRow[]): string {
  const rows: string[][] = [
    [
      'shape',
      'objects',
      'selection',
      'items floor',
      'items lifeboat',
      'floor cluster s',
      'floor per-ns s',
      'floor min-max',
      'lifeboat s',
      'lifeboat min-max',
      'lifeboat CPU s',
      'vs whole',
      'target',
      'vs floor',
      'by round',
      'target',
    ],
  ];
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const walls = (runs: readonly { wallMs: number }[]) => runs.map((r) => r.wallMs);
  for (const r of results) {
    rows.push([
      r.shape,
      String(r.targetObjects),
      'whole cluster',
      String(r.floor.items),
      String(r.lifeboat.items),
      s(r.floor.wallMs),
      '-',
      formatSpread(walls(r.floor.runs), 1000),
      s(r.lifeboat.wallMs),
      formatSpread(walls(r.lifeboat.runs), 1000),
      s(r.lifeboat.cpuMs),
      '1.00x',
      '',
      `${r.ratio.toFixed(2)}x`,
      formatSpread(pairedRatios(r.lifeboat.runs, r.floor.runs)),
      verdict(r.ratio, SELECTION_TARGET_VS_FLOOR),
    ]);
    for (const sel of r.selections) {
      const by = sel.floor.byStrategy;
      rows.push([
        r.shape,
        String(r.targetObjects),
        sel.label,
        String(sel.floor.items),
        String(sel.lifeboat.items),
        `${s(by.cluster.wallMs)}${sel.floor.strategy === 'cluster' ? ' *' : ''}`,
        `${s(by.namespaces.wallMs)}${sel.floor.strategy === 'namespaces' ? ' *' : ''}`,
        `${s(sel.floor.minWallMs)}-${s(sel.floor.maxWallMs)}`,
        s(sel.lifeboat.wallMs),
        `${s(sel.lifeboat.minWallMs)}-${s(sel.lifeboat.maxWallMs)}`,
        s(sel.lifeboat.cpuMs),
        `${sel.vsWhole.toFixed(2)}x`,
        verdict(sel.vsWhole, SELECTION_TARGET_VS_WHOLE),
        `${sel.vsFloor.toFixed(2)}x`,
        formatSpread(sel.vsFloorByRound),
        verdict(sel.vsFloor, SELECTION_TARGET_VS_FLOOR),
      ]);
    }
  }
  const notes = [
    `selected namespaces (issue 14): --include-namespaces by glob and by explicit list of the workload's namespaces`,
    `vs whole = lifeboat / the whole-cluster backup of the same estate (target <= ${SELECTION_TARGET_VS_WHOLE}x); ` +
      `vs floor = lifeboat / the selection's floor (target <= ${SELECTION_TARGET_VS_FLOOR}x)`,
    `floor of a selection: bare paged LISTs of the selected namespaces' objects, one cluster-wide LIST per type ` +
      `filtered client-side, or per-namespace LISTs 16 at a time; * = the cheaper, used as the floor; the glob ` +
      `and the list select the same objects, so their floor runs are pooled into one floor (when their items agree)`,
    `figures are medians; min-max = the spread of the runs; by round = min-max of each round's lifeboat run / ` +
      `the same round's floor run (runs interleave, so a pair shares the machine's load); verdicts use the medians; ` +
      `lifeboat CPU = median CPU time of the lifeboat process (user + system; the API server's is not in it)`,
    `a selection's lifeboat items may exceed its floor's by cluster-scoped items its item actions add ` +
      `(ClusterRoles and bindings of its ServiceAccounts, CRDs of its custom resources)`,
  ];
  return `${notes.join('\n')}\n\n${table(rows)}`;
}
