import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { ADMIN_TOKEN, api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present)
  console.log(`the UI tests: skipped, ${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`);

/** Each page as the analyst sees it at 1366×768, to look at after a run. */
const SHOTS = process.env.VIGIL_SCREENSHOTS ?? join(ROOT, 'test-results', 'screenshots');
async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

let vigil: VigilProcess;
let browser: Browser;
let page: Page;

describe.skipIf(!present)('the web UI, in a real browser, on the demo scenario', () => {
  beforeAll(async () => {
    vigil = await startVigil({ args: ['--sample-data'] });
    await settled(vigil.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    // No request may leave the server: every asset is bundled.
    page.on('request', (r) => {
      if (!r.url().startsWith(vigil.url) && !r.url().startsWith('data:'))
        throw new Error(`external request ${r.url()}`);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (vigil) removeDir(vigil.dataDir);
  });

  it('refuses a bad token, then signs in', async () => {
    await page.goto(vigil.url);
    await page.waitForSelector('#token');
    await shot('login');
    await page.fill('#token', 'vgl_not-a-real-token');
    await page.click('#sign-in-token');
    await page.waitForSelector('text=That did not work');
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#sign-in-token');
    await page.waitForSelector('#incidents tbody tr');
    await shot('incidents');
  });

  it('moves through the incident list with the keyboard', async () => {
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await page.evaluate('document.activeElement.dataset.id')).toBe(
      await page.locator('#incidents tbody tr').nth(1).getAttribute('data-id'),
    );
    await page.keyboard.press('k');
    expect(await page.evaluate('document.activeElement.dataset.id')).toBe(
      await page.locator('#incidents tbody tr').nth(0).getAttribute('data-id'),
    );
  });

  it('opens the ransomware incident: its graph holds every alert and the hosts, and each link is explained', async () => {
    const row = page.locator('#incidents tbody tr', { hasText: 'Ransom' }).first();
    const id = await row.getAttribute('data-id');
    const incident = (await api(vigil.url, `/api/v1/incidents/${id}`)).body as {
      alerts: unknown[];
      hosts: string[];
      links: unknown[];
    };
    await row.click();
    await page.waitForSelector('#graph canvas');
    await page.waitForSelector('#graph[data-alert-nodes]');
    await shot('incident');
    const graph = page.locator('#graph');
    expect(Number(await graph.getAttribute('data-alert-nodes'))).toBe(incident.alerts.length);
    expect(incident.hosts.length).toBeGreaterThanOrEqual(2);
    for (const host of incident.hosts)
      expect(await page.locator('#entities a[data-type=host]', { hasText: host.toLowerCase() }).count()).toBe(
        1,
      );
    expect(await page.locator('#links li').count()).toBe(Math.min(200, incident.links.length));
    expect(await page.locator('#timeline tbody tr').count()).toBe(incident.alerts.length);
  });

  it('pivots from an entity to search', async () => {
    const host = page.locator('#entities a[data-type=host]').first();
    const name = (await host.textContent())!;
    await host.click();
    await page.waitForSelector('#total');
    expect(await page.inputValue('#query')).toBe(`host:"${name}"`);
    const total = Number((await page.textContent('#total'))!.split(' ')[0]);
    expect(total).toBeGreaterThan(0);
    expect(await page.locator('#histogram .bar').count()).toBeGreaterThan(0);
    // A facet refines the query; a row opens to the original record.
    await page.locator('#facets a').first().click();
    await expect.poll(() => page.inputValue('#query')).not.toBe(`host:"${name}"`);
    await page.waitForSelector('#total');
    expect(await page.inputValue('#query')).toMatch(/^\(host:".*"\) AND \w+:".*"$/);
    expect(Number((await page.textContent('#total'))!.split(' ')[0])).toBeLessThanOrEqual(total);
    await page.locator('#events tbody tr').first().click();
    expect(await page.locator('#events tr.raw pre').textContent()).toMatch(/^\{/);
    await shot('search');
    await page.goBack();
    await page.goBack();
    await page.waitForSelector('#graph canvas');
  });

  it('creates an exception from the incident: refused without a reason, then made', async () => {
    const host = (await page.locator('#entities a[data-type=host]').first().textContent())!;
    await page.selectOption('#exception-entity', `host:${host}`);
    await page.click('#exception-create');
    await page.waitForSelector('text=say why (reason)');
    await page.fill('#exception-reason', 'restore test on this server');
    await page.click('#exception-create');
    await page.waitForSelector('#exception-done:has-text("created")');
    const list = (await api(vigil.url, '/api/v1/suppressions')).body.suppressions as {
      entity: string;
      expires: number;
    }[];
    expect(list).toEqual([expect.objectContaining({ entity: `host:${host}` })]);
    expect(list[0]!.expires).toBeGreaterThan(Date.now());
  });

  it('closing needs a verdict; closing with one sticks', async () => {
    await page.click('#close');
    await page.waitForSelector('text=closing an incident needs a verdict');
    await page.selectOption('#verdict', 'true-positive');
    await page.click('#close');
    await page.waitForSelector('#incident-status:has-text("closed · true-positive")');
  });

  it('sweeps a hash from the search page and names the host that saw it', async () => {
    const list = (await api(vigil.url, '/api/v1/incidents?from=2000-01-01T00:00:00Z&to=now')).body
      .incidents as {
      id: string;
      title: string;
    }[];
    const ngrok = list.find((i) => i.title.includes('Gmail'))!;
    const detail = (await api(vigil.url, `/api/v1/incidents/${ngrok.id}`)).body as {
      entities: { type: string; value: string }[];
      hosts: string[];
    };
    const hash = detail.entities.find((e) => e.type === 'hash')!.value;
    await page.goto(`${vigil.url}/#/search?from=2000-01-01T00:00:00Z`);
    await page.fill('#iocs', `${hash}\nnot an ioc at all`);
    await page.click('#sweep');
    const row = page.locator(`#sweep-table tr[data-ioc="${hash}"]`);
    await row.waitFor();
    expect(Number(await row.locator('td').nth(2).textContent())).toBeGreaterThan(0);
    expect(await row.locator('td').nth(4).textContent()).toContain(detail.hosts[0]!);
    await page.waitForSelector('#sweep-results li.error');
    await shot('ioc-sweep');
  });

  it('checks a rule being written and shows each error at its line', async () => {
    await page.goto(`${vigil.url}/#/rules`);
    await page.waitForSelector('#rules tbody tr');
    const broken = [
      'title: Broken Rule',
      'logsource:',
      '  product: windows',
      '  category: process_creation',
      'detection:',
      '  selection:',
      "    Image|endswith: '\\evil.exe'",
      '  condition: selecton',
    ].join('\n');
    await page.fill('#rule-yaml', broken);
    await page.click('#check');
    const error = page.locator('#rule-check li.error').first();
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^line 8: .*selecton/);
    await shot('rules-check');
    await page.fill('#rule-yaml', broken.replace('selecton', 'selection'));
    await page.click('#check');
    await page.waitForSelector('#rule-check .ok');
    // A new rule joins the running rule set, and can be switched off.
    const id = '7d2f1c9a-3b4e-4f5a-8c6d-2e1f0a9b8c7d';
    await page.fill(
      '#rule-yaml',
      broken.replace('selecton', 'selection').replace('title: Broken Rule', `title: Broken Rule\nid: ${id}`),
    );
    await page.click('#upload-rule');
    await page.waitForSelector('#uploaded');
    await page.goto(`${vigil.url}/#/rules?q=broken`);
    await page.waitForSelector(`input[data-toggle="${id}"]`);
    await page.uncheck(`input[data-toggle="${id}"]`);
    await page.waitForSelector('#toggled');
    expect((await api(vigil.url, '/api/v1/rules?q=broken')).body.rules[0]).toMatchObject({
      id,
      enabled: false,
    });
    await page.goto(`${vigil.url}/#/rules`);
    await page.waitForSelector('#rules tbody tr');
    // A rule's YAML opens in the editor, and testing it over history stores nothing.
    await page.locator('#rules a[data-rule]', { hasText: 'Ransom Notes Spread' }).first().click();
    await expect.poll(() => page.inputValue('#rule-yaml')).toMatch(/^title: Ransom Notes Spread/m);
    const alertsBefore = (await api(vigil.url, '/api/v1/status')).body.pipeline.alerts as number;
    await page.click('#test-rule');
    await page.waitForSelector('#rule-test li');
    expect(await page.textContent('#rule-test')).toMatch(/[1-9]\d* matching events on /);
    expect((await api(vigil.url, '/api/v1/status')).body.pipeline.alerts).toBe(alertsBefore);
  });

  it('the overview shows the open incidents, alerts by severity and the sensor that went quiet', async () => {
    const list = (await api(vigil.url, '/api/v1/incidents?from=now-7d&to=now')).body.incidents as {
      state: { status: string };
    }[];
    await page.goto(`${vigil.url}/#/overview?from=now-7d`);
    await page.waitForSelector('#open-incidents');
    expect(Number(await page.textContent('#open-incidents'))).toBe(
      list.filter((i) => i.state.status !== 'closed').length,
    );
    expect(await page.locator('#alerts-by-severity li').count()).toBeGreaterThan(0);
    expect(await page.locator('#volume .bar').count()).toBeGreaterThan(2); // a day of data in 3.5-hour buckets
    // Waterbear silenced a server's network telemetry: the gap analytic names it.
    expect(await page.textContent('#quiet-sensors')).toMatch(/APP01/);
    await shot('overview');
  });

  it('triages alerts grouped by rule and by host, and makes exceptions in bulk', async () => {
    const groups = (await api(vigil.url, '/api/v1/alerts/groups?by=rule&from=now-7d&to=now')).body.groups as {
      key: string;
      alerts: number;
    }[];
    await page.goto(`${vigil.url}/#/alerts?by=rule&from=now-7d`);
    await page.waitForSelector('#alert-groups tbody tr');
    expect(await page.locator('#alert-groups tbody tr').count()).toBe(groups.length);
    const first = page.locator('#alert-groups tbody tr').first();
    await first.click();
    await page.waitForSelector('#alert-groups tr.detail');
    await shot('alerts');
    expect(await page.locator('#alert-groups tr.detail .inner tr').count()).toBe(
      Math.min(50, groups[0]!.alerts),
    );
    await page.click('#by-host');
    // Not th:has-text("Host"): the rule table's "Hosts" column would match before the host table loads.
    await page.waitForSelector('#alert-groups[data-by="host"] tbody tr');
    await page.locator('#alert-groups[data-by="host"] tbody tr input[type=checkbox]').first().check();
    await page.fill('#bulk-reason', 'known lab host');
    await page.click('#bulk-suppress');
    await page.waitForSelector('#bulk-status:has-text("1 exception created")');
  });

  it('settings: an admin creates a token (shown once) and revokes it', async () => {
    await page.goto(`${vigil.url}/#/settings`);
    await page.waitForSelector('#tokens tbody tr');
    await page.fill('#token-name', 'night shift');
    await page.selectOption('#token-role', 'read-only');
    await page.click('#token-create');
    const secret = (await page.locator('#new-token').textContent())!;
    expect(secret).toMatch(/^vgl_/);
    expect((await api(vigil.url, '/api/v1/whoami', { token: secret })).body.role).toBe('read-only');
    const row = page.locator('#tokens tbody tr', { hasText: 'night shift' });
    page.once('dialog', (d) => void d.accept());
    await row.locator('button').click();
    await expect.poll(() => page.locator('#tokens tbody tr', { hasText: 'night shift' }).count()).toBe(0);
    expect((await api(vigil.url, '/api/v1/whoami', { token: secret })).status).toBe(401);
  });

  it('settings: an admin changes retention, and acts for another tenant and back', async () => {
    await page.goto(`${vigil.url}/#/settings`);
    await page.waitForSelector('#retention');
    expect(await page.textContent('#retention')).toMatch(/kept 90 days, the default/);
    expect(await page.textContent('#retention-records')).toMatch(
      /Incidents, response runs.*90 days.*a year at least/,
    );
    await page.fill('#retention-days', '120');
    await page.click('#retention-save');
    await page.waitForSelector('#retention:has-text("kept 120 days, set here by an admin")');
    expect((await api(vigil.url, '/api/v1/status')).body.retention.days).toBe(120);
    await shot('settings');
    // Acting for a tenant with no data: the incidents are its own (none), and the badge says whose.
    await page.fill('#tenant-name', 'acme');
    await page.click('#tenant-switch');
    await page.waitForSelector('#acting-tenant:has-text("acme")');
    await page.goto(`${vigil.url}/#/incidents`);
    await page.waitForSelector('text=No incidents in this range.');
    expect(await page.locator('#incidents tbody tr[data-id]').count()).toBe(0);
    await page.click('#acting-tenant button');
    await expect.poll(() => page.locator('#acting-tenant').count()).toBe(0);
    await page.waitForSelector('#incidents tbody tr[data-id]');
  });

  it('an admin adds a user, who signs in with a password and out again', async () => {
    await page.goto(`${vigil.url}/#/settings`);
    await page.waitForSelector('#users');
    await page.fill('#user-name', 'erin');
    await page.fill('#user-password', 'short');
    await page.click('#user-save');
    await page.waitForSelector('#settings-message:has-text("12")');
    await page.fill('#user-password', 'correct horse battery staple');
    await page.click('#user-save');
    await page.waitForSelector('#users tr[data-user="erin"]');
    await page.click('.signout');
    await page.waitForSelector('#user');
    await page.fill('#user', 'erin');
    await page.fill('#password', 'wrong password entirely');
    await page.click('#sign-in-user');
    await page.waitForSelector('text=That did not work');
    await page.fill('#password', 'correct horse battery staple');
    await page.click('#sign-in-user');
    await page.waitForSelector('#incidents tbody tr');
    await page.goto(`${vigil.url}/#/settings`);
    await page.waitForSelector('text=role analyst');
    expect(await page.locator('#users').count()).toBe(0); // an analyst manages no users
  });

  it('the Response page (g p) shows the example playbooks, runs waiting for approval and the run history', async () => {
    const [books, pending] = await Promise.all([
      api(vigil.url, '/api/v1/playbooks'),
      api(vigil.url, '/api/v1/response/pending'),
    ]);
    await page.goto(`${vigil.url}/#/overview`);
    await page.waitForSelector('#open-incidents');
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.waitForSelector('#playbooks tbody tr');
    await shot('response');
    expect(await page.locator('#playbooks tbody tr').count()).toBe(books.body.playbooks.length);
    // --sample-data loads the examples; the one that would send mail and webhooks only plans.
    const notify = page.locator('#playbooks tr[data-playbook="notify-critical-incidents"]');
    expect(await notify.textContent()).toMatch(/dry-run.*sample data: runs as a dry run/);
    // The demo's critical incidents wait for a person to approve isolating their hosts.
    expect(pending.body.runs.length).toBeGreaterThan(0);
    expect(await page.locator('#pending article').count()).toBe(pending.body.runs.length);
    const first = page.locator('#pending article').first();
    expect(await first.locator('.incident-link').count()).toBe(1);
    expect(await first.locator('.steps').textContent()).toMatch(/isolate/);
    await first.locator('button.reject').click();
    await page.waitForSelector('#pending article >> text=a rejection needs a reason');
    // A run opens to its steps and audit.
    await page.locator('#runs tbody tr[data-run]').first().click();
    await page.waitForSelector('#runs tr.detail .steps');
    await page.waitForSelector('#runs tr.detail .audit li');
  });

  it('the Email page shows the demo’s mail: a malicious one opens to its reasons and pivots', async () => {
    await page.goto(`${vigil.url}/#/email`);
    await page.waitForSelector('#emails tbody tr[data-verdict]');
    await page.click('#verdict-malicious');
    await page.waitForSelector('#verdict-malicious.active');
    const rows = page.locator('#emails tbody tr[data-verdict]');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await page.locator('#emails tbody tr[data-verdict="clean"]').count()).toBe(0);
    // The lookalike supplier's bank-change request: its reasons, each with analyzer, score and evidence.
    await page
      .locator('#emails tbody tr[data-verdict="malicious"]', { hasText: 'comptabilite@' })
      .first()
      .click();
    await page.waitForSelector('#email-reasons tbody tr');
    await shot('email');
    const lookalike = page.locator('#email-reasons tr[data-code="lookalike.from-domain"]');
    const followUp = page.locator('#email-reasons tr[data-code="authentication.dmarc-fail"]');
    expect((await lookalike.count()) + (await followUp.count())).toBe(1);
    expect(await page.textContent('#email-reasons')).toMatch(/partner domain .*target: /s);
    expect(await page.locator('#email-reasons tr[data-code="iban.changed"]').count()).toBe(1);
    // The sender's domain pivots to search.
    expect(await page.getAttribute('#email-sender-domain', 'href')).toMatch(/^#\/search\?q=email_from/);
  });
});
