// The dashboard in Chromium at 1280×800 and at 390×844 (a phone): navigation, the feed with its "needs you"
// filter and badge, a thread the agent handed over (manual reply, hand back) and one the AI is answering
// (take over, manual reply, hand back), the catalog upload, and the agent page — configure the agent, upload a
// policy PDF, ask the test chat and see the answer with its sources — then the WhatsApp, SMS and broadcasts
// pages. Every page must fit the width (no sideways scrolling); screenshots land in
// test-results/screenshots/agent-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai/server.js';
import path from 'node:path';
import { launchBrowser, screenshot, screenshotDir } from '../support/browser.js';
import { startWebStack, type WebStack } from '../support/web-stack.js';
import { pdfWithText } from './pdf-fixture.js';

const CATALOG_CSV = ['sku,name,price,currency,stock,description', 'TS-001,Blue Cotton T-Shirt,19.90,USD,12,Soft organic cotton tee', 'MUG-7,Ceramic Coffee Mug,8.00,USD,3,Dishwasher-safe 350 ml mug'].join('\n');
const POLICY_PDF = pdfWithText([['Shipping policy', 'Orders ship within 1 business day.', 'Delivery takes 3-5 business days within the EU.', 'Shipping costs 4.90 USD; free over 50 USD.']]);

let openai: FakeOpenAI;
let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  openai = await startFakeOpenAI();
  stack = await startWebStack('agent-phone', { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.url });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await openai?.close();
});

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/**
 * Nothing wider than the window: a phone must never scroll sideways to reach a control. Elements inside a box
 * that scrolls on its own (a wide table) may overflow it by design. Runs in the page (a string: the server's
 * tsconfig has no DOM types).
 */
const OVERFLOW_PROBE = `(() => {
  const width = document.documentElement.clientWidth;
  const scrollsOnItsOwn = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
    return false;
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).position !== 'fixed')
    .filter((el) => !scrollsOnItsOwn(el))
    .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
  return { scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5) };
})()`;

async function expectFitsWidth(page: Page, what: string): Promise<void> {
  expect(await page.evaluate(OVERFLOW_PROBE), `${what} overflows the window`).toEqual({ scroll: 0, wide: [] });
}

/** The page itself never scrolls sideways (a wide table may scroll inside its own box). */
async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow, `${what} scrolls sideways by ${String(overflow)} px`).toBeLessThanOrEqual(0);
}

async function merchant(context: BrowserContext, label: string) {
  const signup = await context.request.post(`${stack.webUrl}/api/auth/signup`, {
    data: { email: `agent-${label}-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Ana Owner', companyName: 'Ana Shop' },
  });
  expect(signup.status()).toBe(201);
  const body = (await signup.json()) as { tenant: { id: string }; csrfToken: string };
  return { tenantId: body.tenant.id, csrf: body.csrfToken };
}

/** A conversation the agent handed over: a customer question, the hand-off message, the flag. */
async function seedHandedOverConversation(tenantId: string): Promise<string> {
  const prisma = stack.api.prisma;
  const now = Date.now();
  const conversation = await prisma.conversation.create({
    data: {
      tenantId, channel: 'whatsapp', customerAddress: `whatsapp:+1555${String(now).slice(-7)}`, customerName: 'María González',
      lastInboundAt: new Date(now - 60_000), lastMessageAt: new Date(now - 30_000), aiPaused: true, aiPausedAt: new Date(now - 30_000), aiPausedBy: 'agent',
      needsAttentionAt: new Date(now - 30_000), handoffReason: 'customer_asked',
    },
  });
  await prisma.message.create({ data: { tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: `SM${now}a`, body: 'How much is the blue cotton t-shirt?', status: 'received', source: 'customer', createdAt: new Date(now - 120_000) } });
  await prisma.message.create({
    data: {
      tenantId, conversationId: conversation.id, direction: 'outbound', replyToMessageSid: `SM${now}a`, body: 'The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD. It’s in stock.',
      status: 'delivered', source: 'ai', model: 'gpt-4o-mini', latencyMs: 840, promptTokens: 412, completionTokens: 22, agentVersion: 1, createdAt: new Date(now - 110_000),
      productsUsed: [{ productId: 'p1', sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', rank: 1 }],
      knowledgeUsed: [{ documentId: 'd1', title: 'Shipping policy', kind: 'policy', topic: 'shipping', rank: 1 }],
    },
  });
  await prisma.message.create({ data: { tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: `SM${now}b`, body: 'Quiero hablar con una persona, por favor', status: 'received', source: 'customer', createdAt: new Date(now - 60_000) } });
  await prisma.message.create({
    data: { tenantId, conversationId: conversation.id, direction: 'outbound', replyToMessageSid: `SM${now}b`, body: '¡Gracias! He pasado tu mensaje a una persona de Ana Shop; alguien te responderá por aquí en breve.', status: 'delivered', source: 'system', createdAt: new Date(now - 30_000) },
  });
  return conversation.id;
}

/** A conversation the AI is answering (not paused): a customer question and the AI's answer. */
async function seedAnsweredConversation(tenantId: string): Promise<string> {
  const prisma = stack.api.prisma;
  const now = Date.now();
  const conversation = await prisma.conversation.create({
    data: {
      tenantId, channel: 'whatsapp', customerAddress: `whatsapp:+1556${String(now).slice(-7)}`, customerName: 'Tom Baker',
      lastInboundAt: new Date(now - 90_000), lastMessageAt: new Date(now - 80_000), aiPaused: false,
    },
  });
  await prisma.message.create({ data: { tenantId, conversationId: conversation.id, direction: 'inbound', providerMessageSid: `SM${now}c`, body: 'Is the ceramic coffee mug dishwasher-safe?', status: 'received', source: 'customer', createdAt: new Date(now - 90_000) } });
  await prisma.message.create({
    data: {
      tenantId, conversationId: conversation.id, direction: 'outbound', replyToMessageSid: `SM${now}c`, body: 'Yes, the Ceramic Coffee Mug (SKU MUG-7) is dishwasher-safe.',
      status: 'delivered', source: 'ai', model: 'gpt-4o-mini', latencyMs: 610, promptTokens: 380, completionTokens: 18, createdAt: new Date(now - 80_000),
    },
  });
  return conversation.id;
}

/** A finished broadcast, so the broadcasts page shows its table rather than an empty state. */
async function seedBroadcast(tenantId: string): Promise<void> {
  await stack.api.prisma.broadcast.create({
    data: {
      tenantId, name: 'Spring sale reminder for every customer who bought a mug last winter', channel: 'whatsapp', contentSid: 'HX0123456789abcdef0123456789abcdef',
      status: 'completed', recipientsTotal: 1250, sentCount: 1240, deliveredCount: 1198, failedCount: 4, skippedCount: 6,
      startedAt: new Date(Date.now() - 3_600_000), finishedAt: new Date(Date.now() - 3_000_000),
    },
  });
}

describe.each(VIEWPORTS)('the dashboard at $width×$height', (viewport) => {
  it('navigation, feed, threads with takeover and manual reply, catalog upload, the agent page and the channel pages all fit and work', async () => {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    const page = await context.newPage();
    const shot = (name: string) => screenshot(page, `agent-${viewport.name}-${name}`);
    // One section at its real size (a full page of a phone is too tall to look at whole).
    const part = async (selector: string, name: string) => {
      const section = page.locator(selector).first();
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({ path: path.join(screenshotDir, `agent-${viewport.name}-${name}.png`) });
    };
    try {
      const { tenantId } = await merchant(context, viewport.name);
      const conversationId = await seedHandedOverConversation(tenantId);
      const answeredId = await seedAnsweredConversation(tenantId);
      await seedBroadcast(tenantId);

      // Navigation: every section reachable, the badge counts the conversation that needs the merchant.
      await page.goto(`${stack.webUrl}/app`);
      const nav = page.getByRole('navigation', { name: 'Dashboard' });
      await expect.poll(() => nav.getByTestId('nav-badge-conversations').textContent()).toContain('1');
      await expect.poll(() => nav.getByRole('link', { name: 'Agent' }).isVisible()).toBe(true);
      // Every section's link is on screen, none pushed past the right edge.
      const links = await nav.getByRole('link').all();
      expect(links.length).toBeGreaterThanOrEqual(8);
      for (const link of links) {
        const box = await link.boundingBox();
        expect(box && (await link.isVisible()) && box.x >= 0 && box.x + box.width <= viewport.width, `nav link "${await link.textContent()}" on screen`).toBeTruthy();
      }
      await shot('home');
      await expectFitsWidth(page, 'home');

      // The agent page: persona, save (version 1), a policy PDF, then the test chat answers from it.
      await page.goto(`${stack.webUrl}/app/agent`);
      await page.getByTestId('agent-name').fill('Lola');
      await page.getByLabel('Concise').check();
      await page.getByTestId('agent-instructions').fill('Suggest gift wrap for birthday orders.');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => page.getByTestId('agent-savebar').textContent()).toContain('Saved as version 1');
      await page.getByRole('button', { name: 'Upload a file' }).click();
      await page.getByTestId('knowledge-file').setInputFiles({ name: 'Shipping policy.pdf', mimeType: 'application/pdf', buffer: POLICY_PDF });
      await page.getByTestId('knowledge-upload-topic').selectOption('shipping');
      await page.getByTestId('knowledge-upload').getByRole('button', { name: 'Upload' }).click();
      await expect.poll(() => page.getByTestId('knowledge-item').first().textContent()).toContain('Shipping policy.pdf');
      await page.getByTestId('test-chat-input').fill('How long does delivery take?');
      await page.getByTestId('test-chat').getByRole('button', { name: 'Ask' }).click();
      const answer = page.getByTestId('test-chat-agent').last();
      await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toContain('Delivery takes 3-5 business days within the EU.');
      expect(await answer.getByTestId('test-chat-sources').textContent()).toContain('Shipping policy');
      expect(await answer.textContent()).toContain('Check passed');
      await page.getByTestId('hours-enabled').check();
      await page.getByTestId('hours-away').check();
      await answer.scrollIntoViewIfNeeded();
      await shot('agent');
      for (const [id, name] of [['agent-persona-title', 'persona'], ['agent-knowledge-title', 'knowledge'], ['agent-hours-title', 'hours'], ['agent-handoff-title', 'handoff'], ['agent-test-chat-title', 'test-chat']]) {
        await part(`section[aria-labelledby="${id}"]`, `agent-${name}`);
      }
      await part('[data-testid="agent-savebar"]', 'agent-savebar');
      await expectFitsWidth(page, 'the agent page');

      // The feed: the "needs you" filter shows the handed-over conversation.
      await page.goto(`${stack.webUrl}/app/conversations`);
      // All six rows first (the feed has loaded, so the page is hydrated and the filter's handler attached).
      await expect.poll(() => page.getByTestId('feed-row').count()).toBe(6);
      await page.getByTestId('filter-needs-you').getByRole('checkbox').check();
      await expect.poll(() => page.getByTestId('feed-row').count()).toBe(4);
      expect(await page.getByTestId('feed-row').allTextContents()).not.toContainEqual(expect.stringContaining('Tom Baker'));
      expect(await page.getByTestId('feed-row').first().textContent()).toContain('Needs you');
      await shot('feed');
      await part('section[aria-labelledby="conversations-feed"]', 'feed-card');
      await expectFitsWidth(page, 'the feed');

      // The thread: the hand-off banner, reply details with the agent version and knowledge, a manual reply, hand back.
      await page.goto(`${stack.webUrl}/app/conversations/${conversationId}`);
      await expect.poll(() => page.getByTestId('needs-you-banner').textContent()).toContain('Asked for a person');
      expect(await page.getByTestId('reply-agent-version').first().textContent()).toContain('v1');
      expect(await page.getByTestId('reply-knowledge').first().textContent()).toContain('Shipping policy');
      await page.getByLabel('Your reply').fill('Hola María, soy Ana. ¿En qué te ayudo?');
      await page.getByRole('button', { name: 'Send reply' }).click();
      await expect.poll(() => page.getByTestId('conversation').textContent()).toContain('soy Ana');
      await expect.poll(() => page.getByTestId('needs-you-banner').count()).toBe(0);
      await shot('thread');
      await part('[data-testid="conversation"]', 'thread-layout');
      await expectFitsWidth(page, 'the thread');
      await page.getByRole('button', { name: /hand back/i }).click();
      await expect.poll(() => page.getByTestId('takeover').getAttribute('data-ai-paused')).toBe('false');

      // A conversation the AI is answering: take over, reply by hand, hand back.
      await page.goto(`${stack.webUrl}/app/conversations/${answeredId}`);
      const takeover = page.getByTestId('takeover');
      await expect.poll(() => takeover.getAttribute('data-ai-paused')).toBe('false');
      expect(await page.getByTestId('manual-reply').count()).toBe(0);
      await part('[data-testid="takeover"]', 'takeover-before');
      const takeOverButton = page.getByRole('button', { name: 'Take over' });
      expect(await takeOverButton.isVisible()).toBe(true);
      await takeOverButton.click();
      await expect.poll(() => takeover.getAttribute('data-ai-paused')).toBe('true');
      await page.getByLabel('Your reply').fill('Hi Tom, Ana here: yes, and it keeps its glaze.');
      await page.getByRole('button', { name: 'Send reply' }).click();
      await expect.poll(() => page.getByTestId('conversation').textContent()).toContain('it keeps its glaze');
      await shot('thread-taken-over');
      await part('[data-testid="conversation"]', 'thread-taken-over-layout');
      await expectFitsWidth(page, 'the taken-over thread');
      expect(await stack.api.prisma.conversation.findUniqueOrThrow({ where: { id: answeredId } })).toMatchObject({ aiPaused: true });
      await page.getByRole('button', { name: 'Hand back to AI' }).click();
      await expect.poll(() => takeover.getAttribute('data-ai-paused')).toBe('false');
      expect(await page.getByTestId('manual-reply').count()).toBe(0);
      expect(await stack.api.prisma.conversation.findUniqueOrThrow({ where: { id: answeredId } })).toMatchObject({ aiPaused: false });

      // The catalog upload.
      await page.goto(`${stack.webUrl}/app/catalog`);
      await page.getByTestId('products-empty').waitFor(); // hydrated: the file input's handler is attached
      await page.locator('#catalog-file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(CATALOG_CSV) });
      await page.getByRole('button', { name: 'Upload' }).click();
      await expect.poll(() => page.getByText('Ceramic Coffee Mug').count()).toBeGreaterThan(0);
      await shot('catalog');
      await expectFitsWidth(page, 'the catalog');

      // The channel and broadcast pages: loaded (their cards drawn), then no sideways scrolling.
      for (const [url, name, ready] of [
        ['/app/whatsapp', 'whatsapp', 'h1'],
        ['/app/sms', 'sms', '#sms-numbers'],
        ['/app/broadcasts', 'broadcasts', '#broadcast-list'],
      ] as const) {
        await page.goto(`${stack.webUrl}${url}`);
        await page.locator(ready).first().waitFor();
        await page.waitForLoadState('networkidle');
        await expect.poll(() => page.locator('p.loading').count()).toBe(0);
        if (name === 'broadcasts') await expect.poll(() => page.getByText('Spring sale reminder', { exact: false }).count()).toBeGreaterThan(0);
        await shot(`page-${name}`);
        await expectNoSidewaysScroll(page, url);
      }
    } finally {
      await context.close();
    }
  });
});
