import { type DrillSchedule, DrillScheduleSchema, loadConfig, saveConfig } from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { scheduleCron } from '../../schedule/index.ts';
import { recoveryCluster } from '../clusters/index.ts';

export type { DrillSchedule } from '../../config/index.ts';

/** Validates a drill schedule: the schema, then its cron and time zone; USAGE errors name the field. */
export function validateDrillSchedule(input: unknown): DrillSchedule {
  const parsed = DrillScheduleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'drill schedule';
    throw new LifeboatError('USAGE', `invalid drill schedule: ${field}: ${issue?.message ?? 'invalid'}`, {
      details: { field },
    });
  }
  scheduleCron(parsed.data);
  return parsed.data;
}

export async function listDrillSchedules(configPath: string | undefined): Promise<DrillSchedule[]> {
  return (await loadConfig(configPath)).drills ?? [];
}

/** Adds a drill schedule of a cluster of the fleet to the config file (the server picks it up at its next config read). */
export async function createDrillSchedule(
  configPath: string | undefined,
  input: unknown,
): Promise<DrillSchedule> {
  const schedule = validateDrillSchedule(input);
  const config = await loadConfig(configPath);
  // A configured cluster, or one the fleet discovers (its standby from its annotation's Secret).
  await recoveryCluster(config, schedule.cluster);
  if ((config.drills ?? []).some((s) => s.name === schedule.name))
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `drill schedule '${schedule.name}' already exists in ${config.path}`,
      {
        hint: `delete it first with: lifeboat drill schedule delete ${schedule.name}`,
      },
    );
  await saveConfig({ ...config, drills: [...(config.drills ?? []), schedule] });
  return schedule;
}

/** Removes a drill schedule; the drills it ran keep their evidence. */
export async function deleteDrillSchedule(configPath: string | undefined, name: string): Promise<void> {
  const config = await loadConfig(configPath);
  if (!(config.drills ?? []).some((s) => s.name === name))
    throw new LifeboatError('NOT_FOUND', `no drill schedule named '${name}' in ${config.path}`, {
      hint: 'list them with: lifeboat drill schedule get',
    });
  await saveConfig({ ...config, drills: (config.drills ?? []).filter((s) => s.name !== name) });
}
