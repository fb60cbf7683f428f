// Use case: one lock per standby — a coordination.k8s.io Lease in the standby itself, taken by drills and restores so they never overlap there, renewed while they run and taken over once its holder stops renewing.
// It must never take a Lease another holder renews, nor hold one after its holder ended.
export {
  DEFAULT_LEASE_SECONDS,
  STANDBY_LOCK_NAME,
  STANDBY_LOCK_NAMESPACE,
  type StandbyLock,
  type StandbyLockLoss,
  type StandbyLockRequest,
  takeStandbyLock,
} from './standby-lock.ts';
export { isConfiguredStandby } from './standby-target.ts';
