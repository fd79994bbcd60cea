import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArmEntries, restoreArmEntries, setArmHandlers, type SavedEntry } from '../backend/test/rig/binfmt-rig.ts';
import { CLI_PATH, EXTENSION_IMAGE, FIXTURES, REPOSITORY_ROOT, connectToEngine, docker, managedRunIds, removeRunsCreatedSince } from '../backend/test/rig/engine-rig.ts';
import { demuxDockerStream } from '../backend/src/engine/streams.ts';

// Drives the real flow in headless Chromium: the standalone host serves the
// built UI, the UI drives the backend, and the backend drives the real engine.
const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'test-results', 'screenshots');
const CHROMIUM = process.env.ARM_RUNNER_CHROMIUM ?? '/usr/bin/chromium';

let savedEntries: SavedEntry[];
let runIdsBefore: string[];
let host: UiHost;
let hostUrl: string;
let screenshotPrefix = '';
let browser: Browser;

interface UiHost {
  url: string;
  stop(): Promise<void>;
}

const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/;

/** Starts the standalone host from this checkout: the UI bundle in ui/dist and the backend bundle. */
function startCheckoutHost(): Promise<UiHost> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CLI_PATH, 'ui', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`The standalone host printed no URL within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = URL_PATTERN.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          stop: () => {
            child.kill('SIGTERM');
            return Promise.resolve();
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`The standalone host exited with code ${code}:\n${output}`)));
  });
}

/**
 * Starts the standalone host inside the extension image, so that the UI bundle
 * and the backend are the ones Docker Desktop would install.
 */
async function startImageHost(): Promise<UiHost> {
  const container: Docker.Container = await docker.createContainer({
    Image: EXTENSION_IMAGE,
    Cmd: ['node', '/backend/arm-runner.mjs', 'ui', '--port', '0'],
    Labels: { 'io.arm-runner.test': 'e2e-image-host' },
    HostConfig: { NetworkMode: 'host', CapDrop: ['ALL'], Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
  });
  await container.start();
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const output = demuxDockerStream((await container.logs({ stdout: true, stderr: true }))).combined;
    const match = URL_PATTERN.exec(output);
    if (match?.[1] !== undefined) {
      return { url: match[1], stop: async () => void (await container.remove({ force: true })) };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await container.remove({ force: true });
  throw new Error(`The standalone host in ${EXTENSION_IMAGE} printed no URL within 30 s.`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshotPrefix}${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function openTab(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(hostUrl);
  await page.getByRole('heading', { name: 'Emulation status' }).waitFor({ timeout: 30_000 });
  return page;
}

/** Returns the labels ("Run <id>") of the run cards on the page now. */
async function runCardLabels(page: Page): Promise<string[]> {
  const labels = await page.getByRole('article').evaluateAll((cards) => cards.map((card) => card.getAttribute('aria-label') ?? ''));
  return labels.filter((label) => label.startsWith('Run '));
}

/**
 * Waits for the card of a run that was not on the page before, so that runs
 * the user already had are never picked up (or stopped) by the test.
 */
async function newRunCard(page: Page, image: string, labelsBefore: string[]) {
  for (let attempt = 0; attempt < 450; attempt += 1) {
    const fresh = (await runCardLabels(page)).filter((label) => !labelsBefore.includes(label));
    for (const label of fresh) {
      const card = page.getByRole('article', { name: label, exact: true });
      if ((await card.textContent())?.includes(image) === true) {
        return card;
      }
    }
    await page.waitForTimeout(200);
  }
  const failurePath = path.join(SCREENSHOTS, `${screenshotPrefix}failure-no-run-card.png`);
  await page.screenshot({ path: failurePath, fullPage: true });
  throw new Error(`No new run card for ${image} appeared within 90 s. The page is in ${failurePath}.`);
}

/** Runs an image through the form and checks its endpoint, evidence, stop and remove. */
async function runThroughTheTab(page: Page, image: string, expectedMachine: string, expectedTitle: string, shotName?: string): Promise<void> {
  await page.getByLabel('Image', { exact: true }).fill(image);
  await page.getByLabel('Host port for 80/tcp').waitFor();
  const labelsBefore = await runCardLabels(page);
  await page.getByRole('button', { name: 'Run' }).click();

  const card = await newRunCard(page, image, labelsBefore);
  const link = card.getByRole('link', { name: /^http:\/\/127\.0\.0\.1:\d+\/$/ });
  await link.waitFor({ timeout: 90_000 });
  const endpoint = await link.getAttribute('href');
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

  const page200 = await fetch(endpoint ?? '');
  expect(page200.status).toBe(200);
  expect(await page200.text()).toContain(expectedTitle);

  const evidence = card.getByLabel('Emulation evidence');
  await evidence.waitFor({ timeout: 30_000 });
  expect(await evidence.textContent()).toContain(expectedMachine);
  expect(await evidence.textContent()).toContain('QEMU inside the image');

  // The link opens through ddClient.host.openExternal, which the standalone host maps to a new window.
  const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await popup.waitForLoadState();
  expect(popup.url()).toBe(endpoint);
  expect(await popup.content()).toContain(expectedTitle);
  await popup.close();

  if (shotName !== undefined) {
    await screenshot(page, shotName);
  }

  await card.getByRole('button', { name: 'Stop' }).click();
  await card.getByText('exited').waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: 'Remove' }).click();
  await card.waitFor({ state: 'detached', timeout: 30_000 });
}

beforeAll(async () => {
  // Checks the engine and the fixtures.
  await connectToEngine();
  savedEntries = readArmEntries();
  runIdsBefore = await managedRunIds(docker);
  mkdirSync(SCREENSHOTS, { recursive: true });

  // Playwright gives the browser a fresh temporary profile of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  restoreArmEntries(savedEntries);
  await removeRunsCreatedSince(docker, runIdsBefore);
});

describe.each([
  { where: 'checkout', start: startCheckoutHost, prefix: '' },
  { where: 'extension image', start: startImageHost, prefix: 'image-' },
])('ARM Runner tab in Chromium, served from the $where', ({ start, prefix }) => {
  beforeAll(async () => {
    // Each host starts from the same state, because the cannot-run test removes the arm64 handler.
    setArmHandlers({ arm: '', aarch64: '' });
    host = await start();
    hostUrl = host.url;
    screenshotPrefix = prefix;
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('shows the waiting screen without a backend', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await page.route('**/api/**', (route) => route.abort());
    await page.goto(hostUrl);
    await page.getByText('Starting the ARM Runner backend…').waitFor();
    await screenshot(page, 'waiting');
    await page.close();
  });

  it('runs the arm/v7 fixture end to end', async () => {
    const page = await openTab();
    await screenshot(page, 'status');
    await runThroughTheTab(page, FIXTURES.armv7, 'armv7l', 'ARM Runner fixture (linux/arm/v7)', 'running');
    await page.close();
  });

  it('runs the arm64 fixture end to end', async () => {
    const page = await openTab();
    await runThroughTheTab(page, FIXTURES.arm64, 'aarch64', 'ARM Runner fixture (linux/arm64)');
    await page.close();
  });

  it('runs the sample with one click', async () => {
    const page = await openTab();
    const labelsBefore = await runCardLabels(page);
    await page.getByRole('button', { name: 'Try the sample' }).click();
    const card = await newRunCard(page, FIXTURES.sample, labelsBefore);
    await card.getByRole('link').first().waitFor({ timeout: 90_000 });
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    await page.close();
  });

  it('explains cannot-run and a failed run', async () => {
    setArmHandlers({ arm: '' });
    const page = await openTab();
    const verdict = page.getByLabel('Verdict for linux/arm64');
    await verdict.getByText('Cannot run', { exact: true }).waitFor();
    expect(await verdict.getByRole('alert').textContent()).toContain('Register a qemu-aarch64 handler');

    await page.getByLabel('Image', { exact: true }).fill(FIXTURES.arm64);
    await page.getByRole('button', { name: 'Run' }).click();
    const failure = page.getByText('The run failed (NO_HANDLER)');
    await failure.waitFor({ timeout: 30_000 });
    await screenshot(page, 'cannot-run');

    // From cannot-run to a served endpoint with one consented click.
    await verdict.getByRole('button', { name: 'Register handler…' }).click();
    const dialog = page.getByRole('dialog');
    await screenshot(page, 'register-handler');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await verdict.getByText('Emulated by a host handler with F', { exact: true }).waitFor({ timeout: 30_000 });
    const labelsBefore = await runCardLabels(page);
    await page.getByRole('button', { name: 'Run' }).click();
    const card = await newRunCard(page, FIXTURES.arm64, labelsBefore);
    await card.getByLabel('Emulation evidence').waitFor({ timeout: 30_000 });
    expect(await card.getByLabel('Emulation evidence').textContent()).toContain('aarch64');
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    await page.close();
  });

  it('rejects API calls without the token', async () => {
    const origin = new URL(hostUrl).origin;
    const withoutToken = await fetch(`${origin}/api/status`);
    expect(withoutToken.status).toBe(401);
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.getByText(/Missing or wrong token/).waitFor();
    await page.close();
  });
});
