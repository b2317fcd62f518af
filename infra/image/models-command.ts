import { runModelsCommand } from '#cli/models-command.ts';
import { loadConfig } from '#core/config.ts';

/**
 * `threadfinder models ...` without the rest of the CLI: the container image's models layer runs
 * `node --import tsx infra/image/models-command.ts fetch|verify <ids>` before the repository is copied, so it
 * needs only the files this module imports (models/, core/, adapters/, cloud/, cli/models-command.ts).
 */
const io = { out: (line: string) => console.log(line), err: process.stderr };
process.exitCode = await runModelsCommand(process.argv.slice(2), loadConfig(), io);
