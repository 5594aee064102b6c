// The dashboard in Chromium at 1280×800 and at 390×844 (a phone): navigation, the feed with its "needs you"
// filter and badge, a thread with takeover and a manual reply, the catalog upload, and the agent page —
// configure the agent, upload a policy PDF, ask the test chat and see the answer with its sources. Every page
// must fit the width (no sideways scrolling); screenshots land in test-results/screenshots/agent-*.png.
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

describe.each(VIEWPORTS)('the dashboard at $width×$height', (viewport) => {
  it('navigation, feed, thread with takeover and manual reply, catalog upload and the agent page all fit and work', async () => {
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

      // Navigation: every section reachable, the badge counts the conversation that needs the merchant.
      await page.goto(`${stack.webUrl}/app`);
      const nav = page.getByRole('navigation', { name: 'Dashboard' });
      await expect.poll(() => nav.getByTestId('nav-badge-conversations').textContent()).toContain('1');
      await expect.poll(() => nav.getByRole('link', { name: 'Agent' }).isVisible()).toBe(true);
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
      await page.getByTestId('filter-needs-you').getByRole('checkbox').check();
      await expect.poll(() => page.getByTestId('feed-row').count()).toBe(4);
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

      // The catalog upload.
      await page.goto(`${stack.webUrl}/app/catalog`);
      await page.getByTestId('products-empty').waitFor(); // hydrated: the file input's handler is attached
      await page.locator('#catalog-file').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(CATALOG_CSV) });
      await page.getByRole('button', { name: 'Upload' }).click();
      await expect.poll(() => page.getByText('Ceramic Coffee Mug').count()).toBeGreaterThan(0);
      await shot('catalog');
      await expectFitsWidth(page, 'the catalog');
    } finally {
      await context.close();
    }
  });
});
