/** The API described for clients and tooling; served at /api/v1/openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
  const ok = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
    '200': { description, ...json(schema) },
  });
  const errors = {
    '400': {
      description: 'Bad request: the reason, and per-line rejections where relevant',
      ...json({ $ref: '#/components/schemas/Error' }),
    },
    '401': { description: 'No token, or a token that is not valid' },
    '403': { description: 'The token’s role does not allow this, or another tenant was asked for' },
    '413': { description: 'The body is larger than the configured limit' },
    '429': { description: 'Too many ingest requests in flight; see Retry-After' },
    '503': { description: 'The ingest backlog is full or the store is unavailable; see Retry-After' },
  };
  const ingestResult = {
    type: 'object',
    properties: {
      accepted: { type: 'integer' },
      rejected: { type: 'integer' },
      errors: { type: 'array', items: { $ref: '#/components/schemas/Rejection' } },
      duplicate: { type: 'boolean', description: 'The Idempotency-Key was seen before; nothing was added' },
    },
  };
  const idempotency = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    schema: { type: 'string', maxLength: 200 },
    description: 'Retrying a request with the same key stores its events once',
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  /** What a search body and an export body share. */
  const searchBody = {
    query: {
      type: 'string',
      description: 'field:value, "phrases", wildcards, AND/OR/NOT, ranges, hash:/ip:/domain:',
    },
    from: { type: 'string' },
    to: { type: 'string' },
    raw: { type: 'boolean' },
  };
  const bulk = {
    summary: 'Elasticsearch bulk API (index and create actions)',
    responses: { ...ok('Per-item results, as Elasticsearch answers'), ...errors },
  };
  const bulkIndex = {
    summary: 'Elasticsearch bulk API with a default index',
    parameters: [{ name: 'index', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { ...ok('Per-item results'), ...errors },
  };
  const searchParams = ['q', 'from', 'to', 'limit', 'offset'].map((name) => ({
    name,
    in: 'query',
    schema: { type: 'string' },
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil API',
      version: '1',
      description:
        'Ingest, search and administration. Every call except health and this document needs a token (Authorization: Bearer). A 2xx reply to an ingest call means the events are durable.',
    },
    components: {
      securitySchemes: {
        token: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'A token as the password, any user name: for shippers and feed clients',
        },
      },
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
        Propagation: {
          type: 'object',
          description: 'Where a rule or exception change went on a cluster (role api)',
          properties: {
            seq: { type: 'integer', description: 'The control message; workers report the one they applied' },
            workers: { type: 'array', items: { type: 'string' }, description: 'Workers holding partitions' },
            pending: {
              type: 'array',
              items: { type: 'string' },
              description: 'Those that had not applied it within the wait',
            },
          },
          required: ['seq', 'workers', 'pending'],
        },
        Rejection: {
          type: 'object',
          properties: { line: { type: 'integer' }, offset: { type: 'integer' }, reason: { type: 'string' } },
          required: ['reason'],
        },
      },
    },
    security: [{ token: [] }],
    paths: {
      '/api/v1/health': { get: { summary: 'Liveness', security: [], responses: ok('The server is up') } },
      '/api/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: ok('OpenAPI 3.1') },
      },
      '/api/v1/ingest': {
        post: {
          summary: 'Ingest NDJSON or a JSON array of events (EVTX JSON, Winlogbeat/ECS, OTRF, flat)',
          parameters: [idempotency],
          requestBody: { content: { 'application/x-ndjson': {}, 'application/json': {} } },
          responses: { ...ok('Durable', ingestResult), ...errors },
        },
      },
      '/api/v1/ingest/evtx': {
        post: {
          summary: 'Ingest a raw .evtx file; damaged chunks cost only their own records',
          parameters: [idempotency],
          requestBody: { content: { 'application/octet-stream': {} } },
          responses: { ...ok('Durable', ingestResult), ...errors },
        },
      },
      '/api/v1/ingest/email': {
        post: {
          summary:
            'Ingest raw mail (one RFC 822 message, or an mbox as application/mbox): analyzed, stored, alerted on',
          parameters: [idempotency],
          requestBody: {
            content: { 'message/rfc822': {}, 'application/octet-stream': {}, 'application/mbox': {} },
          },
          responses: { ...ok('Durable: event_id, verdict, score and reasons'), ...errors },
        },
      },
      '/api/v1/_bulk': {
        post: bulk,
        put: bulk,
      },
      '/api/v1/{index}/_bulk': {
        post: bulkIndex,
        put: bulkIndex,
      },
      '/api/v1': {
        get: {
          summary: 'The "cluster" Beats and Vector ask for before shipping (Elasticsearch-compatible)',
          responses: ok('name, cluster_name, version'),
        },
      },
      '/api/v1/_license': {
        get: { summary: 'Elasticsearch-compatible license answer, for shippers', responses: ok('license') },
      },
      '/services/collector/health': {
        get: { summary: 'Splunk HEC health check', responses: ok('{"text":"HEC is healthy","code":17}') },
      },
      '/services/collector/event': {
        post: {
          summary: 'Splunk HEC events (Authorization: Splunk <token>)',
          responses: { ...ok('{"text":"Success","code":0}'), ...errors },
        },
      },
      '/services/collector/raw': {
        post: { summary: 'Splunk HEC raw lines', responses: { ...ok('Success'), ...errors } },
      },
      '/api/v1/search': {
        get: {
          summary: 'Search events',
          parameters: searchParams,
          responses: { ...ok('total, events, histogram, facets'), ...errors },
        },
        post: {
          summary: 'Search events',
          requestBody: json({
            type: 'object',
            properties: {
              ...searchBody,
              limit: { type: 'integer', maximum: 10000 },
              offset: { type: 'integer' },
            },
          }),
          responses: { ...ok('total, events, histogram, facets'), ...errors },
        },
      },
      '/api/v1/search/export': {
        post: {
          summary: 'The same export, with the query in a JSON body (query, from, to, format, raw)',
          requestBody: json({
            type: 'object',
            properties: { ...searchBody, format: { type: 'string', enum: ['jsonl', 'csv'] } },
          }),
          responses: {
            '200': { description: 'The events', content: { 'application/x-ndjson': {}, 'text/csv': {} } },
            ...errors,
          },
        },
        get: {
          summary: 'Every matching event, oldest first, streamed as JSON lines or CSV',
          parameters: [...searchParams, 'format', 'raw'].map((p) =>
            typeof p === 'string' ? { name: p, in: 'query', schema: { type: 'string' } } : p,
          ),
          responses: {
            '200': {
              description: 'The events',
              content: { 'application/x-ndjson': {}, 'text/csv': {} },
            },
            ...errors,
          },
        },
      },
      '/api/v1/sweep': {
        post: {
          summary: 'IOC sweep: which hosts saw each hash, IP, domain or file name, and when',
          requestBody: json({
            type: 'object',
            properties: {
              iocs: {
                oneOf: [{ type: 'array', items: { type: 'string' }, maxItems: 10000 }, { type: 'string' }],
                description: 'IOCs, defanged or not; `file:name` or `domain:name` forces a type',
              },
              from: { type: 'string', description: 'Default: 30 days ago' },
              to: { type: 'string' },
            },
            required: ['iocs'],
          }),
          responses: { ...ok('Per IOC: events, first and last seen, hosts; and rejected inputs'), ...errors },
        },
      },
      '/api/v1/retro-hunt': {
        post: {
          summary:
            'Run Sigma rules over stored events and store the alerts not stored yet (analyst; read-only with store: false)',
          requestBody: json({
            type: 'object',
            properties: {
              rule: { type: 'string', description: 'Sigma YAML: one rule or several documents' },
              rule_ids: { type: 'array', items: { type: 'string' }, description: 'Ids of loaded rules' },
              from: { type: 'string', description: 'Default: 30 days ago' },
              to: { type: 'string' },
              store: { type: 'boolean', default: true },
              max_matches: { type: 'integer', default: 100000 },
            },
          }),
          responses: { ...ok('Per rule: candidates, matches, hosts, first and last, SQL'), ...errors },
        },
      },
      '/api/v1/events/{id}': {
        get: {
          summary: 'One stored event with its original record',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { ...ok('The event'), '404': { description: 'No such event in this tenant' } },
        },
      },
      '/api/v1/email/messages': {
        get: {
          summary: 'Analyzed mail, newest first, with verdict counts',
          parameters: ['from', 'to', 'verdict', 'limit', 'offset'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: ok('total, counts and messages'),
        },
      },
      '/api/v1/email/messages/{id}': {
        get: {
          summary: 'One analyzed message: its reasons with evidence, attachments and links',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { ...ok('The message'), '404': { description: 'No such message in this tenant' } },
        },
      },
      '/api/v1/alerts': {
        get: {
          summary: 'Alerts, newest first',
          parameters: ['from', 'to', 'rule', 'host', 'level', 'limit', 'offset'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: ok('total and alerts'),
        },
      },
      '/api/v1/tokens': {
        get: { summary: 'List tokens of the tenant (admin)', responses: ok('Tokens, without secrets') },
        post: {
          summary: 'Create a token (admin); the token is shown once',
          requestBody: json({
            type: 'object',
            properties: {
              role: { enum: ['admin', 'analyst', 'read-only', 'ingest'] },
              tenant: { type: 'string' },
              name: { type: 'string' },
            },
            required: ['role'],
          }),
          responses: { '201': { description: 'The new token' }, ...errors },
        },
      },
      '/api/v1/settings/retention': {
        put: {
          summary:
            'Days events and alerts are kept, 0 for ever (admin; the whole store). 409 when the configuration file, the environment or a flag sets it.',
          requestBody: json({
            type: 'object',
            properties: { days: { type: 'integer', minimum: 0 } },
            required: ['days'],
          }),
          responses: {
            ...ok('days, source'),
            '409': { description: 'Set by the server configuration' },
            ...errors,
          },
        },
      },
      '/api/v1/tenants': {
        get: {
          summary: 'Tenants (admin): each with its live tokens, enabled users and events of the last day',
          responses: ok('tenants'),
        },
      },
      '/api/v1/tokens/{id}': {
        delete: {
          summary: 'Revoke a token (admin)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: ok('Revoked'),
        },
      },
      '/api/v1/login': {
        post: {
          summary:
            'Sign in with a user name and password: a session token of the user’s role, valid 12 hours. Five failures in 15 minutes for a name, or twenty from an address, answer 429.',
          security: [],
          requestBody: json({
            type: 'object',
            properties: { name: { type: 'string' }, password: { type: 'string' } },
            required: ['name', 'password'],
          }),
          responses: { ...ok('token, expires, role, tenant, name'), ...errors },
        },
      },
      '/api/v1/logout': { post: { summary: 'End the session this token is', responses: ok('Signed out') } },
      '/api/v1/users': {
        get: { summary: 'Users of the tenant (admin)', responses: ok('users') },
        post: {
          summary: 'Create or change a user (admin): name, password (12+ characters), role, tenant',
          requestBody: json({
            type: 'object',
            properties: {
              name: { type: 'string' },
              password: { type: 'string' },
              role: { enum: ['admin', 'analyst', 'read-only', 'ingest'] },
              tenant: { type: 'string' },
            },
            required: ['name', 'password', 'role'],
          }),
          responses: { '201': { description: 'The user' }, ...errors },
        },
      },
      '/api/v1/users/{name}': {
        delete: {
          summary: 'Remove a user (admin)',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: ok('Removed'),
        },
      },
      '/api/v1/whoami': { get: { summary: "The token's id, name, role and tenant", responses: ok('Who') } },
      '/api/v1/status': { get: { summary: 'Pipeline, store and rule status', responses: ok('Status') } },
      '/api/v1/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format); read role',
          responses: ok('Metrics'),
        },
      },
      '/api/v1/incidents': {
        get: {
          summary: 'Incidents active in a time range, highest risk first',
          parameters: [
            ...['from', 'to', 'limit', 'offset'].map((name) => ({
              name,
              in: 'query',
              schema: { type: 'string' },
            })),
            { name: 'status', in: 'query', schema: { enum: ['new', 'investigating', 'closed'] } },
            {
              name: 'severity',
              in: 'query',
              description: 'At least this severity',
              schema: { enum: ['informational', 'low', 'medium', 'high', 'critical'] },
            },
          ],
          responses: { ...ok('incidents: summaries with their lifecycle state'), ...errors },
        },
      },
      '/api/v1/incidents/{id}': {
        get: {
          summary:
            'One incident: timeline, entities, the alert–entity graph, every link with its reason, risk factors, state and notes. A merged incident’s id leads to the incident that absorbed it.',
          parameters: [idParam],
          responses: { ...ok('The incident'), '404': { description: 'No such incident in this tenant' } },
        },
        patch: {
          summary: 'Change status, assignee or verdict (analyst); closing needs a verdict',
          parameters: [idParam],
          requestBody: json({
            type: 'object',
            properties: {
              status: { enum: ['new', 'investigating', 'closed'] },
              assignee: { type: 'string' },
              verdict: { enum: ['true-positive', 'benign-positive', 'false-positive', 'duplicate'] },
            },
          }),
          responses: { ...ok('The incident'), ...errors },
        },
      },
      '/api/v1/incidents/{id}/notes': {
        post: {
          summary: 'Add a note (analyst)',
          parameters: [idParam],
          requestBody: json({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }),
          responses: { '201': { description: 'The note' }, ...errors },
        },
      },
      '/api/v1/suppressions': {
        get: { summary: 'Exceptions in force for the tenant', responses: ok('suppressions') },
        post: {
          summary:
            'Add an exception (analyst): matching detections raise no alert from the next batch on. Give a rule, an entity (type:value) or a field and value; all given parts must match.',
          requestBody: json({
            type: 'object',
            properties: {
              rule_id: { type: 'string' },
              entity: { type: 'string', examples: ['user:svc-backup'] },
              field: { type: 'string' },
              value: { type: 'string' },
              reason: { type: 'string' },
              expires: { type: 'string', description: 'ISO 8601 or epoch ms; omitted: never' },
            },
            required: ['reason'],
          }),
          responses: {
            '201': {
              description: 'The suppression; on a cluster with propagation (which workers applied it)',
            },
            ...errors,
          },
        },
      },
      '/api/v1/alerts/groups': {
        get: {
          summary: 'Alerts grouped by rule or by host, largest first, for triage',
          parameters: ['by', 'from', 'to', 'limit'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: { ...ok('by and groups'), ...errors },
        },
      },
      '/api/v1/overview': {
        get: {
          summary:
            'The overview in one call: event volume per source over time, alerts by severity, open incidents, top rules and hosts, sensors that went quiet',
          parameters: ['from', 'to'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: ok('The overview'),
        },
      },
      '/api/v1/rules': {
        post: {
          summary:
            'Upload one Sigma rule (admin), YAML in the body, with an id (UUID). Loaded on the next batch; on a cluster, the answer says which workers applied it (propagation).',
          requestBody: { content: { 'application/yaml': { schema: { type: 'string' } } } },
          responses: {
            '201': {
              description: 'id, title, compiled, propagation (cluster only)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      title: { type: 'string' },
                      compiled: { type: 'integer' },
                      propagation: { $ref: '#/components/schemas/Propagation' },
                    },
                  },
                },
              },
            },
            '409': { description: 'The id belongs to a rule of the configured rule set' },
            ...errors,
          },
        },
        get: {
          summary: 'The loaded rules (detection and correlation), most hits in 30 days first',
          parameters: ['q', 'limit', 'offset'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: ok('total and rules'),
        },
      },
      '/api/v1/rules/{id}': {
        patch: {
          summary:
            'Switch a rule on or off (admin). On a cluster, the answer says which workers applied it (propagation).',
          parameters: [idParam],
          requestBody: json({
            type: 'object',
            properties: { enabled: { type: 'boolean' } },
            required: ['enabled'],
          }),
          responses: {
            ...ok('id, enabled, compiled, propagation (cluster only)', {
              type: 'object',
              properties: {
                id: { type: 'string' },
                enabled: { type: 'boolean' },
                compiled: { type: 'integer' },
                propagation: { $ref: '#/components/schemas/Propagation' },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/v1/rules/{id}/yaml': {
        get: {
          summary: "A loaded rule's YAML: the file it came from, and the rule's line in it",
          parameters: [idParam],
          responses: { ...ok('id, file, line, yaml'), '404': { description: 'No loaded rule with that id' } },
        },
      },
      '/api/v1/rules/check': {
        post: {
          summary: 'Parse and compile Sigma YAML (the body) as the server would; each problem with its line',
          requestBody: { content: { 'application/yaml': { schema: { type: 'string' } } } },
          responses: { ...ok('valid, rules, errors (line, message), notes'), ...errors },
        },
      },
      '/api/v1/suppressions/{id}': {
        delete: {
          summary: 'Remove an exception (analyst)',
          parameters: [idParam],
          responses: ok('deleted; on a cluster with propagation (which workers applied it)'),
        },
      },
      ...responsePaths({ ok, json, errors, idParam }),
    },
  };
}

/** The response engine's routes: playbooks, runs and approvals, the kill switch, feeds, agents. */
function responsePaths(o: {
  ok: (description: string, schema?: Record<string, unknown>) => Record<string, unknown>;
  json: (schema: Record<string, unknown>) => Record<string, unknown>;
  errors: Record<string, unknown>;
  idParam: Record<string, unknown>;
}): Record<string, unknown> {
  const { ok, json, errors, idParam } = o;
  const conflict = {
    '404': { description: 'No such run in this tenant' },
    '409': { description: 'The run is not in a state that allows this, or the kill switch is on' },
  };
  const query = (
    name: string,
    description: string,
    schema: Record<string, unknown> = { type: 'string' },
  ) => ({
    name,
    in: 'query',
    description,
    schema,
  });
  return {
    '/api/v1/playbooks': {
      get: {
        summary:
          'The loaded playbooks (mode, triggers, conditions, steps, file:line) and every load problem at file:line',
        responses: ok('playbooks, errors, paths, files, loaded'),
      },
    },
    '/api/v1/playbooks/check': {
      post: {
        summary:
          'Check a playbook (the body, YAML) as a reload would read it; each problem with its line. Nothing is loaded.',
        requestBody: { content: { 'application/yaml': { schema: { type: 'string' } } } },
        responses: { ...ok('valid, playbook, errors (file, line, message)'), ...errors },
      },
    },
    '/api/v1/playbooks/reload': {
      post: {
        summary: 'Read the playbook files again (admin); runs already recorded keep their version',
        responses: ok('playbooks and errors'),
      },
    },
    '/api/v1/response/status': {
      get: {
        summary: 'The kill switch, the engine’s counters, and how many playbooks loaded',
        responses: ok('Status'),
      },
    },
    '/api/v1/response/runs': {
      get: {
        summary: 'Playbook runs of the tenant, newest first',
        parameters: [
          query(
            'status',
            'Comma-separated: pending_approval, queued, running, succeeded, failed, dry_run, rejected, expired, cancelled, interrupted, blocked, dropped',
          ),
          query('playbook', 'A playbook id'),
          query('incident', 'The incident (or alert) id that triggered the run'),
          query('limit', 'Default 50, at most 1000', { type: 'integer' }),
          query('offset', 'At most 9000', { type: 'integer' }),
        ],
        responses: { ...ok('runs, and more (whether older runs follow)'), ...errors },
      },
    },
    '/api/v1/response/runs/{id}': {
      get: {
        summary:
          'One run: trigger, approval or rejection, each step’s inputs, plan, attempts, output or error, rollback; and its audit entries',
        parameters: [idParam],
        responses: { ...ok('run and audit'), '404': { description: 'No such run in this tenant' } },
      },
    },
    '/api/v1/response/pending': {
      get: {
        summary: 'Runs waiting for a person, oldest first, with the parameters each step will act with',
        responses: ok('runs'),
      },
    },
    '/api/v1/response/runs/{id}/approve': {
      post: {
        summary: 'Approve a run waiting for approval (analyst): it acts now; the approver is recorded',
        parameters: [idParam],
        responses: { ...ok('The run'), ...errors, ...conflict },
      },
    },
    '/api/v1/response/runs/{id}/reject': {
      post: {
        summary: 'Reject a run waiting for approval (analyst); a reason is required and kept',
        parameters: [idParam],
        requestBody: json({
          type: 'object',
          properties: { reason: { type: 'string' } },
          required: ['reason'],
        }),
        responses: { ...ok('The run'), ...errors, ...conflict },
      },
    },
    '/api/v1/response/runs/{id}/rollback': {
      post: {
        summary:
          'Undo a finished run’s reversible steps, newest first (analyst); works with the kill switch on',
        parameters: [idParam],
        responses: {
          ...ok('The run, with rollback status and notes on what was left as it is'),
          ...errors,
          ...conflict,
        },
      },
    },
    '/api/v1/response/kill-switch': {
      get: {
        summary: 'Whether the kill switch is on, who flipped it, when and why',
        responses: ok('on, by, at, reason'),
      },
      put: {
        summary:
          'Turn the kill switch on or off (admin; every tenant): on aborts running steps, cancels queued runs, blocks new ones',
        requestBody: json({
          type: 'object',
          properties: { on: { type: 'boolean' }, reason: { type: 'string' } },
          required: ['on', 'reason'],
        }),
        responses: { ...ok('on, by, at, reason'), ...errors },
      },
    },
    '/api/v1/response/audit': {
      get: {
        summary:
          'The response audit log, newest first: runs, approvals, steps, rollbacks, the kill switch, agents’ answers',
        parameters: [
          query('run', 'Only this run'),
          query('limit', 'Default 100, at most 1000', { type: 'integer' }),
        ],
        responses: ok('entries'),
      },
    },
    '/api/v1/feeds/{feed}': {
      get: {
        summary:
          'A block list as a feed for firewalls and proxies: hash, domain, ip or sender, as .txt (one value a line) or .stix (STIX 2.1 bundle). A read token as Bearer, or as the password of HTTP Basic auth. ETag and If-None-Match are honoured.',
        parameters: [
          {
            name: 'feed',
            in: 'path',
            required: true,
            schema: { type: 'string', examples: ['hash.txt', 'domain.stix'] },
          },
        ],
        security: [{ token: [] }, { basic: [] }],
        responses: {
          '200': {
            description: 'The live entries (not removed, not expired)',
            content: { 'text/plain': {}, 'application/stix+json;version=2.1': {} },
          },
          '304': { description: 'Unchanged since the ETag given in If-None-Match' },
          '401': { description: 'No token (answers WWW-Authenticate: Basic)' },
          '404': { description: 'No such feed' },
        },
      },
    },
    '/api/v1/agent/commands': {
      get: {
        summary:
          'An endpoint agent polls for its host’s commands (ingest token): pending ones, and delivered ones not acked within 5 minutes (at least once; dedupe by id)',
        parameters: [{ ...query('host', 'The agent’s host name (case-insensitive)'), required: true }],
        responses: {
          ...ok(
            'commands: id, command (isolate, unisolate, kill_process), args, created, expires, deliveries',
          ),
          ...errors,
        },
      },
    },
    '/api/v1/agent/commands/{id}/ack': {
      post: {
        summary: 'An agent reports a command’s result (ingest token); it lands in the audit log',
        parameters: [idParam],
        requestBody: json({
          type: 'object',
          properties: { host: { type: 'string' }, ok: { type: 'boolean' }, output: { type: 'string' } },
          required: ['host', 'ok'],
        }),
        responses: {
          ...ok('id, state, command'),
          ...errors,
          '404': { description: 'No such command for this host' },
          '409': { description: 'Expired, cancelled, or already acked with another result' },
        },
      },
    },
  };
}
