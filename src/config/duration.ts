import * as z from 'zod';
import { parseDuration } from '../gojson/index.ts';

/** A Go duration (time.ParseDuration's syntax) in the config file: ttl, rpo, timeouts, objectives. */
export const GoDurationSchema = z.string().refine(
  (text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a Go duration (e.g. 720h, 6h, 1h30m)' },
);
