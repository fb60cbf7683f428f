import * as z from 'zod';
import { parseSignedDurationNs } from '../gojson/index.ts';
import { type BackupHooksSpec, dictionarySchema, HOOK_LIMITS } from '../model/index.ts';
import { globListProblem } from '../selection/index.ts';

/**
 * Velero's spec.hooks (BackupHooks) as a request gives it (`--hooks-file`, a schedule's template, the
 * API's body): checked field by field and bounded, so a typo or an oversized command is refused
 * before a backup starts instead of failing a hook on every pod.
 */
const patterns = z
  .array(z.string())
  .superRefine((list, ctx) => {
    const problem = globListProblem(list);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .optional();

const goDuration = z
  .string()
  .max(64)
  .refine(
    (text) => {
      try {
        // Go's time.ParseDuration takes a sign: a negative timeout is Velero's "no limit".
        parseSignedDurationNs(text);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a Go duration (e.g. 30s, 5m, 1h30m)' },
  );

const ExecHookSchema = z
  .object({
    container: z.string().max(253).optional(),
    command: z
      .array(z.string(), { message: 'a list of strings: the command and its arguments' })
      .min(1, 'the command is empty: give the program and its arguments')
      .max(
        HOOK_LIMITS.commandArgs,
        `more than ${HOOK_LIMITS.commandArgs} arguments: lifeboat runs at most ${HOOK_LIMITS.commandArgs}`,
      )
      .refine((args) => args.reduce((n, a) => n + a.length, 0) <= HOOK_LIMITS.commandChars, {
        message: `the command is over ${HOOK_LIMITS.commandChars / 1024} KiB: lifeboat runs at most that much`,
      }),
    onError: z.enum(['Continue', 'Fail'], { message: 'onError is Continue or Fail' }).optional(),
    timeout: goDuration.optional(),
  })
  .strict();

const HookSchema = z.object({ exec: ExecHookSchema }).strict();
const phaseHooks = z
  .array(HookSchema)
  .max(HOOK_LIMITS.hooksPerPhase, `at most ${HOOK_LIMITS.hooksPerPhase} hooks per phase`)
  .optional();

const requirement = z
  .object({
    key: z.string().min(1).max(317),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist'], {
      message: 'operator is In, NotIn, Exists or DoesNotExist',
    }),
    values: z.array(z.string().max(63)).max(1_000).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const some = (r.values?.length ?? 0) > 0;
    if ((r.operator === 'In' || r.operator === 'NotIn') && !some)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} needs at least one value` });
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && some)
      ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} takes no values` });
  });

const ResourceHookSchema = z
  .object({
    name: z.string().min(1, 'every resource hook needs a name').max(253),
    includedNamespaces: patterns,
    excludedNamespaces: patterns,
    includedResources: patterns,
    excludedResources: patterns,
    labelSelector: z
      .object({
        matchLabels: dictionarySchema(z.string().max(63)).optional(),
        matchExpressions: z.array(requirement).max(100).optional(),
      })
      .strict()
      .optional(),
    pre: phaseHooks,
    post: phaseHooks,
  })
  .strict();

export const BackupHooksSchema: z.ZodType<BackupHooksSpec> = z
  .object({
    resources: z
      .array(ResourceHookSchema)
      .max(
        HOOK_LIMITS.resourceHooks,
        `more than ${HOOK_LIMITS.resourceHooks} resource hooks: lifeboat takes at most ${HOOK_LIMITS.resourceHooks}`,
      )
      .optional(),
  })
  .strict();
