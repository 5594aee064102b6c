// Tiny HTML helpers for the hosted pages: escaping, a page frame, and one-button POST forms (every
// action is a real <button> with a visible name, so browser tests can click it by role and name, and
// the pages work without JavaScript).
import type { FastifyReply } from 'fastify';
import type { PriceRecord } from '../types.js';

export function esc(s: string | number | null | undefined): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function priceLabel(p: PriceRecord | undefined): string {
  if (!p) return '';
  const per = p.recurring ? ` / ${p.recurring.intervalCount > 1 ? `${p.recurring.intervalCount} ${p.recurring.interval}s` : p.recurring.interval}` : '';
  const metered = p.recurring?.usageType === 'metered' ? ' per unit used' : '';
  return `${money(p.unitAmount, p.currency)}${metered}${per}`;
}

export function date(unix: number | null): string {
  return unix === null ? '' : new Date(unix * 1000).toISOString().slice(0, 10);
}

/** A form with hidden fields and one submit button named `label`. */
export function actionButton(action: string, label: string, fields: Record<string, string> = {}, kind: 'primary' | 'secondary' | 'danger' = 'secondary'): string {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return `<form method="post" action="${esc(action)}">${hidden}<button type="submit" class="${kind}">${esc(label)}</button></form>`;
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.4rem}.box{border:1px solid #e3e8ee;border-radius:8px;padding:1rem;margin:1rem 0}
.muted{color:#697386}.error{background:#fdecea;color:#a41c1c;padding:.6rem;border-radius:6px}
.ok{background:#e6f4ea;color:#1e6b34;padding:.6rem;border-radius:6px}
form{display:inline-block;margin:.2rem .3rem .2rem 0}button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid #c1c9d2;background:#fff;cursor:pointer}
button.primary{background:#635bff;border-color:#635bff;color:#fff}button.danger{color:#a41c1c}
table{width:100%;border-collapse:collapse}td{padding:.25rem 0}td.r{text-align:right}
</style></head><body>
<p class="muted">Test mode: a local stand-in for Stripe. No real card is charged.</p>
${body}
</body></html>`;
}

export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page(title, body));
}
