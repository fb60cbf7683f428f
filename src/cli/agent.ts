import { Option, type Command } from 'commander';
import { LifeboatError } from '../errors/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE } from '../model/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { untilInterrupted } from './interrupt.ts';

interface AgentFlags {
  nodeName?: string;
  hostPods: string;
  namespace: string;
  concurrency: string;
  kubeconfig?: string;
  context?: string;
}

export function registerAgentCommands(program: Command): void {
  program
    .command('agent')
    .description(
      "run the node agent: back up and restore the pod volumes of one node from the kubelet's pods directory (one per node, as a DaemonSet)",
    )
    .addOption(
      new Option('--node-name <name>', 'the node this agent works for (default: $NODE_NAME)').env(
        'NODE_NAME',
      ),
    )
    .option('--host-pods <dir>', "where the kubelet's pods directory is mounted", '/host_pods')
    .addOption(
      new Option('--namespace <ns>', 'namespace of the pod volume work objects')
        .env('LIFEBOAT_NAMESPACE')
        .default(DEFAULT_LIFEBOAT_NAMESPACE),
    )
    .option('--concurrency <n>', 'volumes worked on at once', '1')
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, $KUBECONFIG)')
    .option('--context <name>', 'kubeconfig context')
    .action(runAgent);
}

async function runAgent(flags: AgentFlags, command: Command): Promise<void> {
  const nodeName = flags.nodeName ?? '';
  if (nodeName === '')
    throw new LifeboatError('USAGE', 'no node name', {
      hint: 'pass --node-name or set NODE_NAME (the DaemonSet sets it from spec.nodeName)',
    });
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new LifeboatError('USAGE', `--concurrency ${flags.concurrency} is not a whole number from 1 to 64`);
  const { startNodeAgent } = await import('../app/agent/index.ts');
  const logger = loggerFor(command);
  const running = await startNodeAgent({
    kube: { kubeconfig: flags.kubeconfig, context: flags.context },
    namespace: flags.namespace,
    nodeName,
    hostPods: flags.hostPods,
    configPath: globalOptions(command).config,
    concurrency,
    logger,
  });
  process.stderr.write(
    `lifeboat agent running on node ${nodeName} (work objects in namespace ${flags.namespace})\n`,
  );
  const signal = await untilInterrupted();
  logger.info({ signal }, 'stopping the agent');
  await running.close();
}
