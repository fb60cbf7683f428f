#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=20
// The young generation V8 sizes from the machine's memory (up to ~200 MB here) is far more than a CLI
// that streams a cluster needs: 8 MB semi-spaces keep peak memory about 120 MB lower (see bench/).
// Letting the old generation grow 20% past what is live before a full collection, instead of V8's
// default of up to 4x, keeps the garbage of a 100k-object run from doubling the heap (restore peak
// 388 → 263 MB at 100k objects, same time). `backup create`, whose heap stays small, hands growth back
// to V8 when it starts (cli/backup.ts).
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// V8 keeps the code it compiled for lifeboat's modules between runs (Node's compile cache): a command
// starts ~50 ms sooner. The cache is the user's own, under ~/.cache/lifeboat (or $XDG_CACHE_HOME,
// or $NODE_COMPILE_CACHE), not a shared temp folder whose files another user could have planted;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Best effort: where nothing can be written, modules are
// compiled as before. The CLI is imported after, so that its modules are the ones cached.
const env = (name: string) => process.env[name] || undefined; // set but empty counts as unset
enableCompileCache(
  env('NODE_COMPILE_CACHE') ??
    join(env('XDG_CACHE_HOME') ?? join(homedir(), '.cache'), 'lifeboat', 'node-compile-cache'),
);
await import('./cli/main.ts');
