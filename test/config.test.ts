import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, requireExternalServices, type Config } from '../runtime/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('the configuration was accepted');
}

describe('configuration from the environment', () => {
  it('has development defaults for everything', () => {
    const config = loadConfig({});
    assert.equal(config.env, 'development');
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.http.publicUrl.toString(), 'http://localhost:3000/');
    assert.equal(config.database.url, undefined);
    assert.equal(config.temporal.address, undefined);
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.taskQueue, 'sesame');
    assert.equal(config.mail.smtpUrl, undefined);
    assert.equal(config.appSecretIsDevelopmentDefault, true);
    assert.equal(config.mail.retryInitialIntervalMs, 10_000);
    assert.equal(config.mail.giveUpAfterMs, 3 * 86_400_000);
    assert.deepEqual(config.rateLimits.signUpsPerIp, { max: 20, windowMs: 3_600_000 });
    assert.deepEqual(config.rateLimits.emailsPerAddress, { max: 5, windowMs: 3_600_000 });
  });

  it('reads every documented variable', () => {
    const definitionsDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-definitions-'));
    writeFileSync(
      path.join(definitionsDir, 'api-entreprise.json'),
      readFileSync('definitions/api-entreprise.json'),
    );
    const DAY = 86_400_000;
    // Each variable with a value that is not its default, and where the configuration shows it.
    const documented: Record<
      string,
      [value: string, read: (config: Config) => unknown, expected: unknown, alsoSetBy?: string[]]
    > = {
      NODE_ENV: ['production', (c) => c.env, 'production'],
      PORT: ['8080', (c) => c.http.port, 8080],
      HOST: ['10.0.0.5', (c) => c.http.host, '10.0.0.5'],
      PUBLIC_URL: [
        'https://sesame.example.gouv.fr',
        (c) => c.http.publicUrl.toString(),
        'https://sesame.example.gouv.fr/',
      ],
      TRUST_PROXY: ['2', (c) => c.http.trustProxy, '2'],
      METRICS_PORT: ['9464', (c) => c.metrics.port, 9464],
      METRICS_HOST: ['10.0.0.6', (c) => c.metrics.host, '10.0.0.6'],
      METRICS_PUBLIC: ['true', (c) => c.metrics.public, true],
      APP_SECRET: [
        'x'.repeat(48),
        (c) => [c.appSecret, c.appSecretIsDevelopmentDefault],
        ['x'.repeat(48), false],
      ],
      DATABASE_URL: [
        'postgres://sesame:secret@db.internal:5432/sesame',
        (c) => c.database.url,
        'postgres://sesame:secret@db.internal:5432/sesame',
      ],
      DATABASE_POOL_SIZE: ['25', (c) => c.database.poolSize, 25],
      DATA_DIR: ['/var/lib/sesame', (c) => c.dataDir, '/var/lib/sesame'],
      TEMPORAL_ADDRESS: ['temporal.internal:7233', (c) => c.temporal.address, 'temporal.internal:7233'],
      TEMPORAL_NAMESPACE: ['sesame-prod', (c) => c.temporal.namespace, 'sesame-prod'],
      TEMPORAL_TASK_QUEUE: ['sesame-main', (c) => c.temporal.taskQueue, 'sesame-main'],
      TEMPORAL_TLS: ['true', (c) => c.temporal.tls, true, ['TEMPORAL_API_KEY']],
      TEMPORAL_API_KEY: ['cle-temporal-cloud', (c) => c.temporal.apiKey, 'cle-temporal-cloud'],
      TEMPORAL_CLI_PATH: [
        '/opt/temporal/bin/temporal',
        (c) => c.temporal.cliPath,
        '/opt/temporal/bin/temporal',
      ],
      TEMPORAL_UI_PORT: ['0', (c) => c.temporal.uiPort, 0],
      TEMPORAL_CALL_TIMEOUT: ['25s', (c) => c.temporal.callTimeoutMs, 25_000],
      WORKFLOW_BUNDLE_PATH: [
        '/srv/workflow-bundle.js',
        (c) => c.temporal.workflowBundlePath,
        '/srv/workflow-bundle.js',
      ],
      SMTP_URL: ['smtp://relay.internal:25', (c) => c.mail.smtpUrl, 'smtp://relay.internal:25'],
      MAIL_FROM: [
        '"Sésame" <sesame@example.gouv.fr>',
        (c) => c.mail.from,
        '"Sésame" <sesame@example.gouv.fr>',
      ],
      DEMO_PASSWORD: ['un mot de passe de démo', (c) => c.demoPassword, 'un mot de passe de démo'],
      LOG_LEVEL: ['warn', (c) => c.logLevel, 'warn'],
      SHUTDOWN_TIMEOUT: ['45s', (c) => c.shutdownTimeoutMs, 45_000],
      MAIL_SEND_TIMEOUT: ['2m', (c) => c.mail.sendTimeoutMs, 120_000],
      MAIL_RETRY_INITIAL_INTERVAL: ['30s', (c) => c.mail.retryInitialIntervalMs, 30_000],
      MAIL_RETRY_MAX_INTERVAL: ['2h', (c) => c.mail.retryMaxIntervalMs, 7_200_000],
      MAIL_GIVE_UP_AFTER: ['5d', (c) => c.mail.giveUpAfterMs, 5 * DAY],
      OUTBOX_RELAY_INTERVAL: ['5m', (c) => c.mail.relayIntervalMs, 300_000],
      HOUSEKEEPING_INTERVAL: ['2h', (c) => c.housekeepingIntervalMs, 7_200_000],
      TOKEN_VALIDITY_OVERRIDE: ['30d', (c) => c.credentials.tokenValidityOverrideMs, 30 * DAY],
      TOKEN_REMINDER_OFFSETS: ['60d,10d', (c) => c.credentials.tokenReminderOffsetsMs, [60 * DAY, 10 * DAY]],
      TOKEN_RENEWAL_WINDOW: ['60d', (c) => c.credentials.tokenRenewalWindowMs, 60 * DAY],
      ROTATION_GRACE_HOUR: ['30m', (c) => c.credentials.rotationGraceHourMs, 1_800_000],
      SUPERSEDED_TOKEN_GRACE: ['12h', (c) => c.credentials.supersededTokenGraceMs, 43_200_000],
      SEALED_TOKEN_TTL: ['3d', (c) => c.credentials.sealedTokenTtlMs, 3 * DAY],
      TECH_ACCOUNT_PASSWORD_TTL: ['180d', (c) => c.credentials.technicalAccountPasswordValidityMs, 180 * DAY],
      TECH_ACCOUNT_REMINDERS: [
        '14d,2d',
        (c) => c.credentials.technicalAccountReminderOffsetsMs,
        [14 * DAY, 2 * DAY],
      ],
      LAST_USED_FLUSH_INTERVAL: ['30s', (c) => c.credentials.lastUsedFlushIntervalMs, 30_000],
      WEBHOOK_RETRY_SCHEDULE: ['0,1m,1h', (c) => c.webhooks.retryScheduleMs, [0, 60_000, 3_600_000]],
      WEBHOOK_TIMEOUT: ['10s', (c) => c.webhooks.timeoutMs, 10_000],
      WEBHOOK_DISABLE_AFTER: ['3d', (c) => c.webhooks.disableAfterMs, 3 * DAY],
      WEBHOOK_SECRET_OVERLAP: ['12h', (c) => c.webhooks.secretOverlapMs, 43_200_000],
      WEBHOOK_RELAY_INTERVAL: ['30s', (c) => c.webhooks.relayIntervalMs, 30_000],
      // Production refuses `true`; its default, false, is also what NODE_ENV=production implies.
      WEBHOOK_ALLOW_LOCAL_HTTP: ['false', (c) => c.webhooks.allowLocalHttp, false, ['NODE_ENV']],
      DEMO_PROVIDER_PORT: ['3101', (c) => c.demoProviderPort, 3101],
      DEFINITIONS_DIR: [definitionsDir, (c) => c.definitions.list().map((d) => d.slug), ['api-entreprise']],
      REQUEST_DRAFT_REMINDER_AFTER: ['5d', (c) => c.requestTimers.draftReminderMs, 5 * DAY],
      REQUEST_DRAFT_ARCHIVE_AFTER: ['20d', (c) => c.requestTimers.draftArchiveMs, 20 * DAY],
      REQUEST_INSTRUCTION_SLA: ['7d', (c) => c.requestTimers.instructionSlaMs, 7 * DAY],
      RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT: [
        '3/10m',
        (c) => c.rateLimits.signInFailuresPerAccount,
        { max: 3, windowMs: 600_000 },
      ],
      RATE_LIMIT_SIGN_IN_FAILURES_PER_IP: [
        '50/1h',
        (c) => c.rateLimits.signInFailuresPerIp,
        { max: 50, windowMs: 3_600_000 },
      ],
      RATE_LIMIT_INVITATION_FAILURES_PER_PERSON: [
        '4/5m',
        (c) => c.rateLimits.invitationFailuresPerPerson,
        { max: 4, windowMs: 300_000 },
      ],
      RATE_LIMIT_INVITATION_FAILURES_PER_IP: [
        '40/1h',
        (c) => c.rateLimits.invitationFailuresPerIp,
        { max: 40, windowMs: 3_600_000 },
      ],
      RATE_LIMIT_SIGN_UPS_PER_IP: ['100/1d', (c) => c.rateLimits.signUpsPerIp, { max: 100, windowMs: DAY }],
      RATE_LIMIT_EMAILS_PER_ADDRESS: [
        '2/30m',
        (c) => c.rateLimits.emailsPerAddress,
        { max: 2, windowMs: 1_800_000 },
      ],
      RATE_LIMIT_EMAILS_PER_IP: ['10/1h', (c) => c.rateLimits.emailsPerIp, { max: 10, windowMs: 3_600_000 }],
      RATE_LIMIT_MESSAGES_PER_PERSON: [
        '5/1m',
        (c) => c.rateLimits.messagesPerPerson,
        { max: 5, windowMs: 60_000 },
      ],
      DIRECTORY_URL: [
        'https://recherche-entreprises.api.gouv.fr',
        (c) => c.directory.url,
        'https://recherche-entreprises.api.gouv.fr',
      ],
      DIRECTORY_TIMEOUT: ['3s', (c) => c.directory.timeoutMs, 3_000],
      DIRECTORY_RETRIES: ['4', (c) => c.directory.retries, 4],
      PROCONNECT_DISCOVERY_URL: [
        'https://proconnect.example.gouv.fr/api/v2/.well-known/openid-configuration',
        (c) => c.proconnect?.discoveryUrl.toString(),
        'https://proconnect.example.gouv.fr/api/v2/.well-known/openid-configuration',
      ],
      PROCONNECT_CLIENT_ID: ['sesame-integration', (c) => c.proconnect?.clientId, 'sesame-integration'],
      PROCONNECT_CLIENT_SECRET: [
        'secret-de-proconnect',
        (c) => c.proconnect?.clientSecret,
        'secret-de-proconnect',
      ],
      ACTIVATION_LINK_TTL: ['24h', (c) => c.accounts.activationLinkTtlMs, DAY],
      PASSWORD_RESET_TTL: ['30m', (c) => c.accounts.passwordResetTtlMs, 1_800_000],
      ACTIVITY_TIMEOUT: ['45s', (c) => c.activityTimeoutMs, 45_000],
    };
    try {
      // The README's configuration table is the documentation: a variable added there needs a case here.
      const inReadme = [...readFileSync('README.md', 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]*)` /gm)].map(
        (match) => match[1]!,
      );
      assert.deepEqual(Object.keys(documented).sort(), [...inReadme].sort());

      const cases = documented;
      const env = Object.fromEntries(Object.entries(cases).map(([name, [value]]) => [name, value]));
      const config = loadConfig(env);
      for (const [name, [, read, expected, alsoSetBy = []]] of Object.entries(cases)) {
        assert.deepEqual(read(config), expected, name);
        // Without the variable (and any other that implies the same), the reading changes or the configuration
        // asks for it: it is this variable that set it, not a default.
        const others = Object.fromEntries(
          Object.entries(env).filter(([other]) => other !== name && !alsoSetBy.includes(other)),
        );
        let without: unknown;
        try {
          without = read(loadConfig(others));
        } catch (error) {
          assert.ok(error instanceof ConfigError, name);
          assert.ok(
            error.problems.some((line) => line.startsWith(`${name}:`)),
            `${name}: ${error.problems.join('; ')}`,
          );
          continue;
        }
        assert.notDeepEqual(without, expected, `${name} is what sets it`);
      }
    } finally {
      rmSync(definitionsDir, { recursive: true, force: true });
    }
  });

  it('names each faulty variable and what it expects', () => {
    const problems = problemsOf({
      PORT: 'abc',
      NODE_ENV: 'staging',
      MAIL_SEND_TIMEOUT: 'forever',
      TEMPORAL_ADDRESS: 'http://temporal',
      PUBLIC_URL: 'sesame.gouv.fr',
      TEMPORAL_TLS: 'maybe',
      RATE_LIMIT_SIGN_UPS_PER_IP: '0/1h',
      RATE_LIMIT_EMAILS_PER_ADDRESS: 'five per hour',
    });
    const byVariable = Object.fromEntries(problems.map((line) => [line.split(':')[0], line]));
    assert.match(byVariable.PORT!, /integer from 0 to 65535 \(got "abc"\)/);
    assert.match(byVariable.NODE_ENV!, /one of development, test, production \(got "staging"\)/);
    assert.match(byVariable.MAIL_SEND_TIMEOUT!, /duration such as 30s/);
    assert.match(byVariable.TEMPORAL_ADDRESS!, /host:port/);
    assert.match(byVariable.PUBLIC_URL!, /URL such as https:/);
    assert.match(byVariable.TEMPORAL_TLS!, /true or false/);
    assert.match(byVariable.RATE_LIMIT_SIGN_UPS_PER_IP!, /count per window .* \(got "0\/1h"\)/);
    assert.match(byVariable.RATE_LIMIT_EMAILS_PER_ADDRESS!, /count per window/);
  });

  it('takes the three ProConnect settings together, the discovery document over https in production', () => {
    const url = 'https://proconnect.example.gouv.fr/api/v2/.well-known/openid-configuration';
    assert.equal(loadConfig({}).proconnect, undefined);
    const alone = problemsOf({ PROCONNECT_DISCOVERY_URL: url });
    assert.ok(
      alone.some((line) => /^PROCONNECT_CLIENT_ID: required with PROCONNECT_DISCOVERY_URL/.test(line)),
    );
    assert.ok(
      alone.some((line) => /^PROCONNECT_CLIENT_SECRET: required with PROCONNECT_DISCOVERY_URL/.test(line)),
    );
    assert.match(
      problemsOf({ PROCONNECT_CLIENT_ID: 'sesame', PROCONNECT_CLIENT_SECRET: 'secret-de-proconnect' }).join(
        '\n',
      ),
      /^PROCONNECT_DISCOVERY_URL: required with PROCONNECT_CLIENT_ID/m,
    );
    const client = { PROCONNECT_CLIENT_ID: 'sesame', PROCONNECT_CLIENT_SECRET: 'secret-de-proconnect' };
    assert.match(
      problemsOf({ ...client, PROCONNECT_DISCOVERY_URL: 'https://proconnect.example.gouv.fr/api/v2' }).join(
        '\n',
      ),
      /^PROCONNECT_DISCOVERY_URL: expected the provider's discovery document/m,
    );
    assert.match(
      problemsOf({ ...client, PROCONNECT_DISCOVERY_URL: 'ftp://x/.well-known/y' }).join('\n'),
      /^PROCONNECT_DISCOVERY_URL: expected a URL/m,
    );
    const production = problemsOf({
      ...client,
      NODE_ENV: 'production',
      PROCONNECT_DISCOVERY_URL: 'http://127.0.0.1:4000/.well-known/openid-configuration',
    });
    assert.ok(
      production.some(
        (line) => line === 'PROCONNECT_DISCOVERY_URL: expected an https URL when NODE_ENV=production',
      ),
    );
    assert.ok(production.every((line) => !line.includes('secret-de-proconnect')));
    // Outside production, a provider on this machine over http (the local identity provider run apart).
    const local = loadConfig({
      ...client,
      PROCONNECT_DISCOVERY_URL: 'http://127.0.0.1:4000/.well-known/openid-configuration',
    });
    assert.equal(local.proconnect?.discoveryUrl.host, '127.0.0.1:4000');
  });

  it('never repeats a secret value in its messages', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db/sesame',
      SMTP_URL: 'http://user:pw-s3cret@x',
    });
    assert.equal(problems.length, 2);
    assert.ok(problems.every((line) => !line.includes('hunter2') && !line.includes('pw-s3cret')));
  });

  it('requires a real APP_SECRET and PUBLIC_URL in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    assert.ok(problems.some((line) => line.startsWith('APP_SECRET: required when NODE_ENV=production')));
    assert.ok(problems.some((line) => line.startsWith('PUBLIC_URL: required when NODE_ENV=production')));
    assert.ok(problems.some((line) => line.startsWith('SMTP_URL: required when NODE_ENV=production')));
    assert.ok(
      problemsOf({ APP_SECRET: 'short' }).some((line) => line.startsWith('APP_SECRET: expected at least 32')),
    );
    assert.ok(problemsOf({ DEMO_PASSWORD: 'court' }).some((line) => line.startsWith('DEMO_PASSWORD')));
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '' });
    assert.equal(config.database.url, undefined);
    assert.equal(config.http.port, 3000);
  });

  it('refuses retry intervals that cannot grow', () => {
    const problems = problemsOf({ MAIL_RETRY_INITIAL_INTERVAL: '2h', MAIL_RETRY_MAX_INTERVAL: '1h' });
    assert.match(
      problems[0]!,
      /^MAIL_RETRY_INITIAL_INTERVAL: expected at most MAIL_RETRY_MAX_INTERVAL \(1h\)/,
    );
  });

  it('reads credential durations, reminder offsets longest first, and names a bad list', () => {
    const config = loadConfig({ TOKEN_REMINDER_OFFSETS: '1d, 90d,7d', TOKEN_VALIDITY_OVERRIDE: '30s' });
    assert.deepEqual(config.credentials.tokenReminderOffsetsMs, [
      90 * 86_400_000,
      7 * 86_400_000,
      86_400_000,
    ]);
    assert.equal(config.credentials.tokenValidityOverrideMs, 30_000);
    assert.equal(loadConfig({}).credentials.tokenValidityOverrideMs, undefined);
    assert.equal(loadConfig({}).credentials.rotationGraceHourMs, 3_600_000);
    const problems = problemsOf({
      TOKEN_REMINDER_OFFSETS: '90d,bientôt',
      TECH_ACCOUNT_PASSWORD_TTL: 'un an',
    });
    assert.match(problems.join('\n'), /TOKEN_REMINDER_OFFSETS: expected durations separated by commas/);
    assert.match(problems.join('\n'), /TECH_ACCOUNT_PASSWORD_TTL: expected a duration/);
  });

  it('demands external services for separate web and worker processes', () => {
    assert.throws(
      () => requireExternalServices(loadConfig({})),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((line) => line.startsWith('DATABASE_URL')) &&
        error.problems.some((line) => line.startsWith('TEMPORAL_ADDRESS')),
    );
    requireExternalServices(
      loadConfig({ DATABASE_URL: 'postgres://db/sesame', TEMPORAL_ADDRESS: 'localhost:7233' }),
    );
  });
});

describe('a process started with a bad configuration', () => {
  for (const script of [
    'runtime/main.ts',
    'runtime/web-main.ts',
    'runtime/worker-main.ts',
    'runtime/migrate-main.ts',
  ]) {
    it(`${script} stops at once, naming the variable`, () => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
        env: { PATH: process.env.PATH, PORT: '99999', DATA_DIR: '/nonexistent/sesame' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /Sésame cannot start/);
      assert.match(result.stderr, /PORT: expected an integer from 0 to 65535 \(got "99999"\)/);
    });
  }

  it('the production web process refuses to start without DATABASE_URL and TEMPORAL_ADDRESS', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/web-main.ts'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /DATABASE_URL: required to run web and worker as separate processes/);
    assert.match(result.stderr, /TEMPORAL_ADDRESS: required/);
  });
});

describe('API definition files', () => {
  const folderWith = (files: Record<string, unknown>) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sesame-definitions-'));
    for (const [name, content] of Object.entries(files))
      writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  };
  const shipped = JSON.parse(readFileSync('definitions/api-entreprise.json', 'utf8'));

  it('the shipped definitions load', () => {
    const { definitions } = loadConfig({});
    assert.deepEqual(
      definitions.list().map((definition) => definition.slug),
      ['api-entreprise', 'api-particulier', 'chorus-pro'],
    );
  });

  it('a bad file stops start-up, naming the file and the field', () => {
    const broken = structuredClone(shipped);
    broken.scopeGroups[0].scopes[0].id = 'Pas Un Identifiant';
    broken.useCases[0].scopes.push('inconnue');
    delete broken.timers.instructionSlaDays;
    const dir = folderWith({ 'api-entreprise.json': broken, 'autre.json': '{ pas du json' });
    try {
      const problems = problemsOf({ DEFINITIONS_DIR: dir });
      assert.ok(
        problems.some((line) => /api-entreprise\.json: scopeGroups\.0\.scopes\.0\.id: /.test(line)),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((line) => /api-entreprise\.json: timers\.instructionSlaDays: /.test(line)),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((line) => /autre\.json: not valid JSON/.test(line)),
        problems.join('\n'),
      );

      const result = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/migrate-main.ts'], {
        env: { PATH: process.env.PATH, DEFINITIONS_DIR: dir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /api-entreprise\.json: timers\.instructionSlaDays/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a use case must pick scopes the definition declares', () => {
    const broken = structuredClone(shipped);
    broken.useCases[1].scopes = ['secret_defense'];
    const dir = folderWith({ 'api-entreprise.json': broken });
    try {
      assert.match(
        problemsOf({ DEFINITIONS_DIR: dir }).join('\n'),
        /useCases\.1\.scopes: unknown scope "secret_defense"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
