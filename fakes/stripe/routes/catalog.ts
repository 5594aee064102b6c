// /v1/products and /v1/prices: the catalog the app creates by lookup_key at start-up.
import type { FastifyInstance } from 'fastify';
import type { FakeStripeContext } from '../context.js';
import { badRequest, missingRef, noSuch } from '../errors.js';
import { applyExpand, listEnvelope } from '../expand.js';
import { createdFilter, listQuery, originOf, paramsOf } from '../http.js';
import { previousAttributes } from '../events.js';
import { newId } from '../ids.js';
import type { Reader } from '../params.js';
import { renderPrice, renderProduct } from '../render.js';
import type { Interval, PriceRecord, ProductRecord } from '../types.js';

const IGNORED_PRODUCT = ['images', 'marketing_features', 'package_dimensions', 'shippable', 'statement_descriptor', 'tax_code', 'unit_label', 'url', 'type'];
const INTERVALS: readonly Interval[] = ['day', 'week', 'month', 'year'];

export function registerCatalogRoutes(app: FastifyInstance, ctx: FakeStripeContext): void {
  const { state, events, rc } = ctx;

  const newProduct = (p: Reader, id: string | null): ProductRecord => {
    const now = state.clock.now();
    if (id && state.products.has(id)) throw badRequest('Product already exists.', { code: 'resource_already_exists', param: 'id' });
    const prod: ProductRecord = {
      id: id ?? newId('prod'),
      created: now,
      updated: now,
      name: p.reqStr('name'),
      description: p.str('description'),
      active: p.bool('active') ?? true,
      metadata: p.metadata(),
      defaultPrice: null,
    };
    state.products.set(prod.id, prod);
    return prod;
  };

  app.post('/v1/products', async (req) => {
    const p = paramsOf(req).known('id', 'name', 'description', 'active', 'metadata', ...IGNORED_PRODUCT);
    const prod = newProduct(p, p.str('id'));
    const json = renderProduct(prod);
    events.emit('product.created', json, originOf(req));
    return applyExpand(rc, json, p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/products/:id', async (req) => {
    const p = paramsOf(req).known();
    const prod = state.products.get(req.params.id);
    if (!prod) throw noSuch('product', req.params.id);
    return applyExpand(rc, renderProduct(prod), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/products/:id', async (req) => {
    const p = paramsOf(req).known('name', 'description', 'active', 'metadata', 'default_price', ...IGNORED_PRODUCT);
    const prod = state.products.get(req.params.id);
    if (!prod) throw noSuch('product', req.params.id);
    const before = renderProduct(prod);
    if (p.has('name')) prod.name = p.reqStr('name');
    if (p.has('description')) prod.description = p.str('description');
    if (p.has('active')) prod.active = p.bool('active') ?? prod.active;
    if (p.has('default_price')) prod.defaultPrice = p.str('default_price');
    prod.metadata = p.metadata('metadata', prod.metadata);
    prod.updated = state.clock.now();
    const json = renderProduct(prod);
    events.emit('product.updated', json, originOf(req), previousAttributes(before, json));
    return applyExpand(rc, json, p.expand());
  });

  app.get('/v1/products', async (req) => {
    const p = paramsOf(req).known('active', 'ids', 'limit', 'starting_after', 'ending_before', 'created', 'shippable', 'url');
    const active = p.bool('active');
    const ids = p.strings('ids');
    const inRange = createdFilter(p);
    const rows = [...state.products.values()].filter((x) => (active === null || x.active === active) && (ids.length === 0 || ids.includes(x.id)) && inRange(x.created));
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/products', renderProduct), p.expand());
  });

  /** Only one active price holds a lookup key; transfer_lookup_key moves it from the holder. */
  const claimLookupKey = (key: string | null, transfer: boolean, self: string | null): void => {
    if (key === null) return;
    const holder = [...state.prices.values()].find((x) => x.lookupKey === key && x.id !== self);
    if (!holder) return;
    if (!transfer) {
      throw badRequest(`A price (\`${holder.id}\`) already uses that lookup key. Set \`transfer_lookup_key\` to true to move it to this price.`, { param: 'lookup_key' });
    }
    holder.lookupKey = null;
  };

  app.post('/v1/prices', async (req) => {
    const p = paramsOf(req).known('currency', 'unit_amount', 'product', 'product_data', 'recurring', 'lookup_key', 'transfer_lookup_key', 'metadata', 'nickname', 'active', 'tax_behavior', 'billing_scheme');
    const currency = p.reqStr('currency').toLowerCase();
    const unitAmount = p.int('unit_amount');
    if (unitAmount === null) throw badRequest('Missing required param: unit_amount.', { code: 'parameter_missing', param: 'unit_amount' });
    if (unitAmount < 0) throw badRequest('Invalid non-negative integer', { code: 'parameter_invalid_integer', param: 'unit_amount' });
    const productId = p.str('product');
    const productData = p.obj('product_data');
    if (!productId && !productData) throw badRequest('You must specify either `product` or `product_data` when creating a price.', { param: 'product' });
    if (productId && !state.products.has(productId)) throw missingRef('product', productId, 'product');
    const r = p.obj('recurring')?.known('interval', 'interval_count', 'usage_type', 'meter', 'aggregate_usage', 'trial_period_days');
    let recurring: PriceRecord['recurring'] = null;
    if (r) {
      const usageType = r.oneOf('usage_type', ['licensed', 'metered'] as const) ?? 'licensed';
      const meter = r.str('meter');
      if (usageType === 'metered' && !meter) throw badRequest('Metered prices require a `meter`.', { code: 'parameter_missing', param: 'recurring[meter]' });
      if (meter && !state.meters.has(meter)) throw missingRef('billing meter', meter, 'recurring[meter]');
      const interval = r.oneOf('interval', INTERVALS);
      if (!interval) throw badRequest('Missing required param: recurring[interval].', { code: 'parameter_missing', param: 'recurring[interval]' });
      recurring = { interval, intervalCount: r.int('interval_count') ?? 1, usageType, meter };
    }
    const lookupKey = p.str('lookup_key');
    claimLookupKey(lookupKey, p.bool('transfer_lookup_key') ?? false, null);
    const product = productId ?? newProduct(productData?.known('name', 'active', 'metadata', 'statement_descriptor', 'tax_code', 'unit_label') as Reader, null).id;
    const price: PriceRecord = {
      id: newId('price'),
      created: state.clock.now(),
      product,
      active: p.bool('active') ?? true,
      currency,
      unitAmount,
      nickname: p.str('nickname'),
      lookupKey,
      metadata: p.metadata(),
      recurring,
    };
    state.prices.set(price.id, price);
    const json = renderPrice(price);
    events.emit('price.created', json, originOf(req));
    return applyExpand(rc, json, p.expand());
  });

  app.get<{ Params: { id: string } }>('/v1/prices/:id', async (req) => {
    const p = paramsOf(req).known();
    const price = state.prices.get(req.params.id);
    if (!price) throw noSuch('price', req.params.id);
    return applyExpand(rc, renderPrice(price), p.expand());
  });

  app.post<{ Params: { id: string } }>('/v1/prices/:id', async (req) => {
    const p = paramsOf(req).known('active', 'nickname', 'metadata', 'lookup_key', 'transfer_lookup_key', 'tax_behavior');
    const price = state.prices.get(req.params.id);
    if (!price) throw noSuch('price', req.params.id);
    const before = renderPrice(price);
    if (p.has('lookup_key')) {
      const key = p.str('lookup_key');
      claimLookupKey(key, p.bool('transfer_lookup_key') ?? false, price.id);
      price.lookupKey = key;
    }
    if (p.has('active')) price.active = p.bool('active') ?? price.active;
    if (p.has('nickname')) price.nickname = p.str('nickname');
    price.metadata = p.metadata('metadata', price.metadata);
    const json = renderPrice(price);
    events.emit('price.updated', json, originOf(req), previousAttributes(before, json));
    return applyExpand(rc, json, p.expand());
  });

  app.get('/v1/prices', async (req) => {
    const p = paramsOf(req).known('active', 'product', 'lookup_keys', 'type', 'currency', 'recurring', 'limit', 'starting_after', 'ending_before', 'created');
    const active = p.bool('active');
    const product = p.str('product');
    const keys = p.strings('lookup_keys');
    const type = p.oneOf('type', ['one_time', 'recurring'] as const);
    const currency = p.str('currency')?.toLowerCase() ?? null;
    const interval = p.obj('recurring')?.oneOf('interval', INTERVALS) ?? null;
    const inRange = createdFilter(p);
    const rows = [...state.prices.values()].filter(
      (x) =>
        (active === null || x.active === active) &&
        (product === null || x.product === product) &&
        (keys.length === 0 || (x.lookupKey !== null && keys.includes(x.lookupKey))) &&
        (type === null || (type === 'recurring') === (x.recurring !== null)) &&
        (currency === null || x.currency === currency) &&
        (interval === null || x.recurring?.interval === interval) &&
        inRange(x.created),
    );
    return applyExpand(rc, listEnvelope(rows, listQuery(p), '/v1/prices', renderPrice), p.expand());
  });
}
