// Use case: backup storage locations — create, list, check, delete.
// It must never show a credential; locations reference secrets, they do not hold them in output.
export {
  checkLocation,
  type CheckStep,
  createLocation,
  deleteLocation,
  findLocation,
  getLocations,
  type LocationCheck,
} from './locations.ts';
