import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../support/browser.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { startWebServer, type WebServer } from '../support/web-server.js';
import { windows1252 } from '../catalog/helpers.js';

/*
 * The catalog page in Chromium against the real API and database: a merchant signs up, uploads a CSV
 * with three bad rows, watches it being processed, reads the report and finds the products.
 */

let api: TestApi;
let apiUrl: string;
let web: WebServer;
let browser: Browser;

beforeAll(async () => {
  api = await startTestApi();
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  web = await startWebServer({ apiUrl });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await api?.close();
});

const CSV = [
  'sku,name,price,stock,category',
  'TEE-1,Red t-shirt,19.90,5,T-shirts',
  'TEE-2,Blue t-shirt,19.90,0,T-shirts',
  'CAP-1,Black cap,12,3,Accessories',
  'BAD-1,,10,1,Accessories', // row 5: no name
  'BAD-2,Broken price,ten,1,Accessories', // row 6: price
  'TEE-1,Duplicate tee,21,1,T-shirts', // row 7: duplicate SKU
  'MUG-1,Coffee mug,8.5,20,Home',
].join('\n');

it('uploads a CSV, shows progress, the report with row errors, and the searchable product list', async () => {
  // Prices are formatted in the browser's locale: pin it, so `$19.90` is what the page says.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const signup = await context.request.post(`${web.url}/api/auth/signup`, {
    data: { email: `catalog-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Cat Owner', companyName: 'Cat Shop' },
  });
  expect(signup.status()).toBe(201);
  const page = await context.newPage();
  // Hold the upload briefly so the in-flight state is observable, as on a slow connection.
  await page.route('**/api/catalog/uploads**', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });

  await page.goto(`${web.url}/app/catalog`);
  await page.getByTestId('products-empty').waitFor();
  await page.getByLabel('Catalog file (CSV, JSON or JSON lines)').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  const uploaded = page.waitForResponse((r) => r.url().includes('/api/catalog/uploads') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Upload' }).click();

  await page.getByTestId('import-progress').waitFor();
  expect(await page.getByRole('button', { name: 'Importing…' }).isDisabled()).toBe(true);
  await screenshot(page, 'catalog-uploading');
  expect((await uploaded).status()).toBe(201);

  const report = page.getByTestId('import-report');
  await report.waitFor();
  expect(await report.getAttribute('data-status')).toBe('completed');
  const count = async (name: string) => (await page.getByTestId(`count-${name}`).locator('dd').innerText()).trim();
  expect([await count('created'), await count('updated'), await count('unchanged'), await count('rejected')]).toEqual(['4', '0', '0', '3']);

  const errorRows = page.getByRole('table', { name: 'Rejected rows' }).locator('tbody tr');
  expect(await errorRows.allInnerTexts()).toEqual([
    '5\tname\tname is required\t',
    '6\tprice\tprice must be a number like 19.99 (no currency symbols or thousands separators)\tten',
    '7\tsku\tduplicate SKU: already on row 2\tTEE-1',
  ]);
  const download = await context.request.get(new URL((await page.getByTestId('errors-csv').getAttribute('href')) ?? '', web.url).toString());
  expect((await download.text()).split('\r\n')).toHaveLength(5);

  const products = page.getByTestId('product-table').locator('tbody tr');
  await expect.poll(() => products.count()).toBe(4);
  expect(await page.getByTestId('product-total').innerText()).toContain('4 products');
  await screenshot(page, 'catalog-report');

  await page.getByLabel('Search products').fill('t-shirt');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect.poll(() => products.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sku')))).toEqual(['TEE-2', 'TEE-1']);
  // The stored decimal 19.9 is shown with the currency's minor units, never as a float.
  expect(await products.first().innerText()).toContain('$19.90');

  // A reload shows the last import's report again.
  await page.reload();
  await page.getByTestId('import-report').waitFor();
  expect(await page.getByTestId('import-report').getAttribute('data-status')).toBe('completed');
  await context.close();
});

it('imports a Windows-1252 CSV from Excel and says how it was read', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  await context.request.post(`${web.url}/api/auth/signup`, {
    data: { email: `catalog-1252-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Cat Owner', companyName: 'Café Shop' },
  });
  const page = await context.newPage();
  await page.goto(`${web.url}/app/catalog`);
  await page.getByTestId('products-empty').waitFor();
  // What Excel's "CSV (Comma delimited)" writes on Windows: é is the single byte 0xE9.
  const csv = windows1252('sku,name,price\nCAFE-1,Café crème,12.50\nTHE-1,Thé à la menthe,4\n');
  await page.getByLabel('Catalog file (CSV, JSON or JSON lines)').setInputFiles({ name: 'excel.csv', mimeType: 'text/csv', buffer: csv });
  await page.getByRole('button', { name: 'Upload' }).click();

  const notice = page.getByTestId('encoding-notice');
  await notice.waitFor();
  expect(await notice.innerText()).toContain('Read as Windows-1252 (not UTF-8): check accented letters look right.');
  const products = page.getByTestId('product-table').locator('tbody tr');
  await expect.poll(() => products.count()).toBe(2);
  expect(await products.allInnerTexts()).toEqual([expect.stringContaining('Café crème'), expect.stringContaining('Thé à la menthe')]);
  await screenshot(page, 'catalog-windows-1252');

  // A JSON file that is not a catalog: the reason, not "imported with problems".
  await page.getByLabel('Catalog file (CSV, JSON or JSON lines)').setInputFiles({ name: 'hello.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":"world"}') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect.poll(() => page.getByRole('alert').innerText()).toContain('This JSON is not a list of products');
  await screenshot(page, 'catalog-not-a-catalog');
  await context.close();
});

it('shows why a file was refused, and fits a phone screen', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.request.post(`${web.url}/api/auth/signup`, {
    data: { email: `catalog-phone-${Date.now()}@shop.example`, password: 'correct horse battery staple', name: 'Cat Owner', companyName: 'Cat Shop' },
  });
  const page = await context.newPage();
  await page.goto(`${web.url}/app/catalog`);
  await page.getByTestId('products-empty').waitFor();
  await page.getByLabel('Catalog file (CSV, JSON or JSON lines)').setInputFiles({ name: 'oops.csv', mimeType: 'text/csv', buffer: Buffer.from('sku,title\nA,B\n') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect.poll(() => page.getByRole('alert').innerText()).toContain('no price column');
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'catalog-phone-error');
  await context.close();
});
