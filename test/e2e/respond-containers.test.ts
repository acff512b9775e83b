import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../../src/containers/docker-api.js';
import {
  defaultActions,
  loadPlaybooks,
  MemoryResponseStore,
  ResponseEngine,
  type RunRecord,
} from '../../src/respond/index.js';
import { playbookOf, testAlert } from '../../src/respond/testing.js';
import { podmanPresent, startPodman, type Podman } from '../support/podman.js';

/**
 * Container actions against a real Docker-compatible API: podman's service on a unix socket, with
 * its storage, run state and network configuration in a temp folder. Containers cannot start on
 * these machines (crun's setrlimit is denied), so the actions meet a created container: the
 * tests assert what the real API answers to each call for it (disconnect and reconnect work; a
 * pause or kill of a container that is not running is refused; a stop of one succeeds).
 */
if (!podmanPresent)
  console.log('respond-containers e2e skipped: the podman binary is missing (apt-get install podman)');

const ROOT = resolve(import.meta.dirname, '../..');

describe.skipIf(!podmanPresent)('container actions against podman', () => {
  let pod: Podman;
  let dir: string;
  let socket: string;
  let victim: string;
  let client: DockerClient;

  beforeAll(async () => {
    pod = await startPodman();
    dir = pod.dir;
    socket = pod.endpoint.slice('unix://'.length);
    client = new DockerClient(pod.endpoint, { timeoutMs: 5000 });
    pod.importImage('localhost/vigil-respond-tiny:1');
    pod.run('network', 'create', 'vigil-respond-a');
    pod.run('network', 'create', 'vigil-respond-b');
    victim = pod.run(
      'create',
      '--name',
      'victim',
      '--privileged',
      '--network',
      'vigil-respond-a,vigil-respond-b',
      'localhost/vigil-respond-tiny:1',
      '/hello',
    );
  });

  afterAll(async () => {
    await pod?.stop();
  });

  const networks = async () =>
    Object.keys(
      ((await client.inspectContainer(victim)) as { NetworkSettings: { Networks: Record<string, unknown> } })
        .NetworkSettings.Networks,
    ).sort();

  function engine(yamls: string[]) {
    const actions = defaultActions({ dockerEndpoint: `unix://${socket}` });
    return {
      actions,
      engine: new ResponseEngine({
        store: new MemoryResponseStore(),
        actions,
        playbooks: yamls.map((y) => playbookOf(y, actions)),
        config: { backoffBaseMs: 10 },
      }),
    };
  }

  const pb = (id: string, action: string, mode = 'auto', extra = '') =>
    `id: ${id}\ntitle: ${id}\nversion: 1\nmode: ${mode}\ntriggers:\n  - entity: {type: container, value: "*"}\nsteps:\n  - action: ${action}\n    retries: 2\n    with:\n      container: "{{ entities.container }}"\n${extra}`;

  const alertFor = (id: string, container: string) =>
    testAlert({ id, entities: [{ type: 'container', value: container, role: 'self' }] });

  it('disconnects a container from its networks; dry-run leaves them; rollback reconnects them', async () => {
    expect(await networks()).toEqual(['vigil-respond-a', 'vigil-respond-b']);
    const { engine: dry } = engine([pb('cut-dry', 'container.disconnect', 'dry-run')]);
    await dry.start();
    dry.onAlert(alertFor('c-dry', victim));
    await dry.idle();
    expect((await dry.listRuns())[0]).toMatchObject({
      status: 'dry_run',
      steps: [{ plan: `disconnect container ${victim} from all its networks at unix://${socket}` }],
    });
    expect(await networks()).toEqual(['vigil-respond-a', 'vigil-respond-b']);

    const { engine: e } = engine([pb('cut', 'container.disconnect')]);
    await e.start();
    e.onAlert(alertFor('c-1', victim));
    await e.idle();
    const [run] = await e.listRuns();
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run!.steps[0]!.output).toEqual({
      id: victim,
      disconnected: ['vigil-respond-a', 'vigil-respond-b'],
    });
    expect(await networks()).toEqual([]);
    const rolled = await e.rollback(run!.id, 'alice');
    expect(rolled.rollback).toMatchObject({ status: 'done' });
    expect(rolled.steps[0]!.rolledBack).toMatchObject({
      status: 'done',
      output: { reconnected: ['vigil-respond-a', 'vigil-respond-b'] },
    });
    expect(await networks()).toEqual(['vigil-respond-a', 'vigil-respond-b']);
  });

  it('reports what podman answers for a container that is not running: pause and kill refused, stop accepted', async () => {
    const { engine: e } = engine([
      pb('pause', 'container.pause'),
      pb('kill', 'container.kill'),
      pb('stop', 'container.stop', 'auto', '      grace: 1s\n'),
    ]);
    await e.start();
    e.onAlert(alertFor('c-2', 'victim'));
    await e.idle();
    const runs = Object.fromEntries((await e.listRuns()).map((r) => [r.playbook.id, r])) as Record<
      string,
      RunRecord
    >;
    // The daemon's answer is final: refused calls are not retried.
    expect(runs.pause!.steps[0]).toMatchObject({ status: 'failed', attempts: [expect.anything()] });
    expect(runs.pause!.steps[0]!.error).toMatch(
      /^POST \/containers\/victim\/pause: 500: .*is not running, can't pause: container state improper$/,
    );
    expect(runs.kill!.steps[0]).toMatchObject({ status: 'failed', attempts: [expect.anything()] });
    expect(runs.kill!.steps[0]!.error).toMatch(
      /500: can only kill running containers\. .* is in state created: container state improper$/,
    );
    expect(runs.stop!.steps[0]).toMatchObject({
      status: 'succeeded',
      output: { container: 'victim', status: 204, alreadyStopped: false },
    });
    const state = (await client.inspectContainer(victim)) as { State: { Status: string } };
    expect(state.State.Status).toBe('created');
  });

  it('names an unknown container as the daemon does, and retries an unreachable daemon', async () => {
    const { engine: e } = engine([pb('pause', 'container.pause')]);
    await e.start();
    e.onAlert(alertFor('c-3', 'no-such-container'));
    await e.idle();
    const [run] = await e.listRuns();
    expect(run!.steps[0]).toMatchObject({ status: 'failed', attempts: [expect.anything()] });
    expect(run!.steps[0]!.error).toMatch(/404.*no such container/);

    const actions = defaultActions({ dockerEndpoint: `unix://${join(dir, 'nobody-here.sock')}` });
    const away = new ResponseEngine({
      store: new MemoryResponseStore(),
      actions,
      playbooks: [playbookOf(pb('pause', 'container.pause'), actions)],
      config: { backoffBaseMs: 10 },
    });
    await away.start();
    away.onAlert(alertFor('c-4', victim));
    await away.idle();
    const [unreachable] = await away.listRuns();
    expect(unreachable!.steps[0]!.attempts).toHaveLength(3);
    expect(unreachable!.steps[0]!.error).toMatch(
      /cannot reach the Docker API at unix:\/\/.*nobody-here\.sock: ENOENT \(after 3 attempts\)/,
    );
  });

  it("the shipped pause playbook waits for approval, then meets podman's answer", async () => {
    const actions = defaultActions({ dockerEndpoint: `unix://${socket}` });
    const load = await loadPlaybooks([join(ROOT, 'playbooks/pause-privileged-container.yml')], actions);
    expect(load.errors).toEqual([]);
    const e = new ResponseEngine({ store: new MemoryResponseStore(), actions, playbooks: load.playbooks });
    await e.start();
    e.onAlert(
      testAlert({
        id: 'c-5',
        title: 'Container Started With Host-Level Privileges',
        ruleId: 'x',
        entities: [{ type: 'container', value: victim, role: 'self' }],
      }),
    );
    await e.idle();
    const [pending] = await e.pending();
    expect(pending).toMatchObject({
      playbook: { id: 'pause-privileged-container' },
      steps: [{ plan: `pause container ${victim} at unix://${socket}` }],
    });
    await e.approve(pending!.id, 'alice');
    await e.idle();
    const run = await e.getRun(pending!.id);
    expect(run).toMatchObject({ status: 'failed', approval: { by: 'alice' } });
    expect(run!.steps[0]!.error).toMatch(/container state improper/);
  });
});
