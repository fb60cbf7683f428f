/**
 * The selected-namespaces cases of the backup benchmark (issue 14): the workload's namespaces picked
 * by a glob (`--include-namespaces 'bench-*'`) and by an explicit comma list of the same namespaces,
 * each measured against (a) the whole-cluster backup of the same estate and (b) the floor of the
 * selection — a bare paged LIST of only the selected namespaces' objects, the cheaper of one
 * cluster-wide LIST per type filtered client-side and concurrent per-namespace LISTs (bench/floor.ts).
 * Their runs interleave with the whole-cluster ones: one round = every side once.
 */
import { namespaceNames, type WorkloadShape } from '../test/helpers/workload.ts';
import { runBackup, runFloor, type BackupRun, type FloorRun } from './backup-runs.ts';
import { log, median, round, seconds, table, type BenchControlPlane } from './common.ts';

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
  maxRssMB: number;
  items: number;
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
    items: number;
    byStrategy: Record<Strategy, Stats & { runs: FloorRun[] }>;
  };
  lifeboat: Stats & { runs: BackupRun[] };
  /** lifeboat / the whole-cluster backup of the same estate (target SELECTION_TARGET_VS_WHOLE). */
  vsWhole: number;
  /** lifeboat / the selection's floor (target SELECTION_TARGET_VS_FLOOR). */
  vsFloor: number;
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

function stats<T extends Stats>(runs: readonly T[]): Stats & { runs: T[] } {
  return {
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    processMs: Math.round(median(runs.map((r) => r.processMs))),
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

  /** Medians and ratios, given the median wall time of the whole-cluster backup. */
  result(wholeLifeboatMs: number): SelectionResult[] {
    return this.#cases.map((c) => {
      const byStrategy = {
        cluster: stats(this.#floors.get(c.selection)!.cluster),
        namespaces: stats(this.#floors.get(c.selection)!.namespaces),
      };
      const strategy: Strategy =
        byStrategy.namespaces.wallMs < byStrategy.cluster.wallMs ? 'namespaces' : 'cluster';
      const floor = byStrategy[strategy];
      const lifeboat = stats(this.#backups.get(c.selection)!);
      return {
        selection: c.selection,
        label: c.label,
        ...(c.selection === 'glob' ? { includeNamespaces: c.includeNamespaces } : {}),
        namespaces: c.namespaces,
        floor: { strategy, wallMs: floor.wallMs, items: floor.items, byStrategy },
        lifeboat,
        vsWhole: round(lifeboat.wallMs / wholeLifeboatMs, 2),
        vsFloor: round(lifeboat.wallMs / floor.wallMs, 2),
      };
    });
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
  floor: { wallMs: number; items: number };
  lifeboat: { wallMs: number; items: number };
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
      'lifeboat s',
      'vs whole',
      'target',
      'vs floor',
      'target',
    ],
  ];
  const s = (ms: number) => (ms / 1000).toFixed(2);
  for (const r of results) {
    rows.push([
      r.shape,
      String(r.targetObjects),
      'whole cluster',
      String(r.floor.items),
      String(r.lifeboat.items),
      s(r.floor.wallMs),
      '-',
      s(r.lifeboat.wallMs),
      '1.00x',
      '',
      `${r.ratio.toFixed(2)}x`,
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
        s(sel.lifeboat.wallMs),
        `${sel.vsWhole.toFixed(2)}x`,
        verdict(sel.vsWhole, SELECTION_TARGET_VS_WHOLE),
        `${sel.vsFloor.toFixed(2)}x`,
        verdict(sel.vsFloor, SELECTION_TARGET_VS_FLOOR),
      ]);
    }
  }
  const notes = [
    `selected namespaces (issue 14): --include-namespaces by glob and by explicit list of the workload's namespaces`,
    `vs whole = lifeboat / the whole-cluster backup of the same estate (target <= ${SELECTION_TARGET_VS_WHOLE}x); ` +
      `vs floor = lifeboat / the selection's floor (target <= ${SELECTION_TARGET_VS_FLOOR}x)`,
    `floor of a selection: bare paged LISTs of the selected namespaces' objects, one cluster-wide LIST per type ` +
      `filtered client-side, or per-namespace LISTs 16 at a time; * = the cheaper, used as the floor`,
    `a selection's lifeboat items may exceed its floor's by cluster-scoped items its item actions add ` +
      `(ClusterRoles and bindings of its ServiceAccounts, CRDs of its custom resources)`,
  ];
  return `${notes.join('\n')}\n\n${table(rows)}`;
}
