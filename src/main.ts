#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=20 --initial-old-space-size=128
// The young generation V8 sizes from the machine's memory (up to ~200 MB here) is far more than a CLI
// that streams a cluster needs: 8 MB semi-spaces keep peak memory about 120 MB lower (see bench/).
// Letting the old generation grow 20% past what is live before a full collection, instead of V8's
// default of up to 4x, keeps the garbage of a 100k-object run from doubling the heap (restore peak
// 388 → 263 MB at 100k objects, same time). `backup create`, whose heap stays small, hands growth back
// to V8 when it starts (cli/backup.ts).
// A volume's data passes through short-lived buffers V8 counts as external memory (response chunks,
// decrypted pieces: 2 GiB for a GiB restored from S3); with the old generation's limit near its
// ~20 MB live size, that ran a full collection every ~17 MB (130 in a 1 GiB restore, ~2.5 s of
// CPU). Starting the limit at 128 MB leaves ~45 (1 GiB from S3 on one thread: 6.2 s against
// 7.9-8.8 s, user CPU 4.1 s against 6.9-7.7 s, peak RSS 257-283 MB against 250-264 MB); a backup
// is unchanged. The server's image keeps V8's start (deploy/Dockerfile): an idle server would keep
// its garbage longer (100 registered clusters: 200 MB against 140 MB).
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
