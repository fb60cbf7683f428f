// Results: Velero's one Result shape ({velero, cluster, namespaces} of errors and warnings), collected for backups and restores alike; and the one Finding a check reports (restore pre-flight, standby drift).
// A leaf: it must never write the file itself or decide an operation's phase, and imports only model/ and errors/.
export {
  namespaceMessage,
  ResultsCollector,
  veleroMessage,
  type ResultMessage,
  type ResultScope,
} from './collector.ts';
export { formatItemMessage, itemMessage, type ItemMessage } from './item-message.ts';
export { type Finding, listSome, type Severity, sortFindings } from './finding.ts';
