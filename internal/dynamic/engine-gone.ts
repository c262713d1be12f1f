/**
 * A dynamic provider process whose engine is gone (a killed `pulumi up`) writes into a closed pipe:
 * each write to stderr fails with EPIPE, Pulumi's dynamic-provider host logs that uncaught error to
 * stderr again, which fails again, forever, at full CPU. Nothing will ever read this process again:
 * it ends. What it was doing is recovered by the next run (creates find what they left by name).
 */
export function endWhenEngineIsGone(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(1);
    });
  }
}
