#!/usr/bin/env node
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerClusterCommands } from './commands/cluster.js';
import { registerContainersCommands } from './commands/containers.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmailCommands } from './commands/email.js';
import { registerEvtxCommands } from './commands/evtx-dump.js';
import { registerHuntCommand } from './commands/hunt.js';
import { registerImageCommands } from './commands/image.js';
import { registerIncidentCommands } from './commands/incidents.js';
import { registerPlaybookCommands } from './commands/playbooks.js';
import { registerRulesCommands } from './commands/rules-check.js';
import { registerSearchCommands } from './commands/search.js';
import { registerServeCommand } from './commands/serve.js';
import { Mappings } from '../normalize/index.js';
import { jsonSource } from '../detect/hunt/inputs.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil: open-source XDR. Reads, normalizes and hunts through security telemetry.')
    .version(packageVersion())
    .showHelpAfterError();
  registerEvtxCommands(program);
  registerHuntCommand(program, { normalizer: async () => Mappings.load(), json: jsonSource });
  registerRulesCommands(program);
  registerServeCommand(program);
  registerSearchCommands(program);
  registerIncidentCommands(program);
  registerDemoCommand(program);
  registerContainersCommands(program);
  registerImageCommands(program);
  registerEmailCommands(program);
  registerPlaybookCommands(program);
  registerClusterCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
