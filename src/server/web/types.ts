/** The shapes the dashboard reads from /api/v1 (what the server's routes answer). */

export interface List<T> {
  items: T[];
}

export interface BackupRow {
  name: string;
  location: string;
  schedule?: string;
  /** The fleet cluster whose backup it is (under its prefix); absent for the server's own backups. */
  cluster?: string;
  /** The kube-system UID of the cluster it was taken of, when recorded. */
  clusterUid?: string;
  phase: string;
  started?: string;
  completed?: string;
  expiration?: string;
  items?: number;
  errors?: number;
  warnings?: number;
  failureReason?: string;
  problem?: string;
}

export interface Rpo {
  state: 'OK' | 'AT_RISK' | 'BREACHED';
  objectiveSeconds: number;
  ageSeconds?: number;
  deadline?: string;
  reason: string;
}

export interface ScheduleStatus {
  name: string;
  schedule: string;
  paused: boolean;
  nextRuns: string[];
  lastBackup?: { name: string; phase?: string; started: string };
  lastSuccessful?: { name: string; started: string; completed?: string };
  rpo: Rpo;
  missedRuns: { due: string }[];
  location: string;
  running?: string;
  problem?: string;
}

export interface ScheduleItem {
  spec: {
    name: string;
    schedule: string;
    rpo?: string;
    ttl?: string;
    storageLocation?: string;
    paused?: boolean;
  };
  status?: ScheduleStatus;
}

export interface ServerInfo {
  elected: boolean;
  isLeader: boolean;
  identity?: string;
  holder?: string;
  startedAt: string;
  running: boolean;
}

export interface LocationState {
  name: string;
  provider: string;
  accessMode?: string;
  available: boolean;
  message?: string;
  lastSynced?: string;
  backups: number;
}

export interface Problem {
  scope: string;
  message: string;
}

export interface BackupDetails {
  name: string;
  location: string;
  phase: string;
  includedNamespaces: string[];
  resources: { resource: string; count: number }[];
  namespaces: { namespace: string; count: number }[];
  errors: Problem[];
  warnings: Problem[];
  podVolumes: {
    namespace: string;
    pod: string;
    volume: string;
    phase: string;
    bytes: number;
    uploadedBytes?: number;
    node: string;
    message: string;
  }[];
  bytes: number;
}

export interface ContentsTree {
  items: number;
  cluster: { resource: string; names: string[] }[];
  namespaces: { namespace: string; resources: { resource: string; names: string[] }[] }[];
}

export interface ContentsItem {
  groupResource: string;
  namespace?: string;
  name: string;
  yaml: string;
  masked: boolean;
}

export interface RestoreRow {
  name: string;
  backup: string;
  /** The fleet cluster whose backup it restored (absent: the server's own). */
  cluster?: string;
  /** Where its record is (a stored restore). */
  location?: string;
  phase: string;
  created?: number;
  errors?: number;
  warnings?: number;
  started?: string;
  completed?: string;
}

export type PlanCounts = Record<string, number>;

export interface Finding {
  kind: string;
  severity: string;
  message: string;
  hint?: string;
  items?: number;
  objects?: string[];
}

export interface RestoreResult {
  name: string;
  backup: string;
  phase: string;
  counts?: Record<string, number>;
  errors: number;
  warnings: number;
  plan: {
    totals: PlanCounts;
    byNamespace: Record<string, PlanCounts>;
    byResource: Record<string, PlanCounts>;
    findings: Finding[];
  };
}
