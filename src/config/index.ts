// Configuration: the config file (locations, schedules, clusters of the fleet, server settings), its schema and how it is loaded and saved.
// It must never reach a cluster or a store; it describes them.
export {
  addLocation,
  type BackupTemplate,
  BackupTemplateSchema,
  configFilePath,
  isEmbeddedDefaultFolder,
  type LifeboatConfig,
  loadConfig,
  normalizeProvider,
  PatternListSchema,
  removeLocation,
  resolveLocation,
  saveConfig,
  type Schedule,
  ScheduleSchema,
} from './config-file.ts';
export {
  addClusterEntry,
  type ClusterEntry,
  CLUSTERS_FOLDER,
  ClusterEntrySchema,
  ClusterNameSchema,
  ClusterPrefixSchema,
  defaultClusterPrefix,
  findCluster,
  type Fleet,
  removeClusterEntry,
  type ScheduleClusters,
  ScheduleClustersSchema,
} from './clusters.ts';
export { BackupHooksSchema } from './backup-hooks.ts';
export { checkHooks, parseHooksText, readHooksFile } from './hooks-file.ts';
export { type DrillSchedule, DrillScheduleSchema, type Objectives, ObjectivesSchema } from './drills.ts';
