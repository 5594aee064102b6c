import type { PrismaClient } from '../db/client.js';
import type { AlertStore } from './channels.js';

/** Alerts recorded in Postgres; the dedupe key's unique index makes "page once" hold across retries. */
export function prismaAlertStore(prisma: PrismaClient): AlertStore {
  return {
    async claim(alert, channels) {
      const row = await prisma.alert.upsert({
        where: { dedupeKey: alert.dedupeKey },
        create: {
          dedupeKey: alert.dedupeKey,
          severity: alert.severity,
          title: alert.title,
          details: alert.details,
          channels: channels.length > 0 ? channels : ['log'],
        },
        update: {},
      });
      return row.deliveredAt === null;
    },
    async markDelivered(dedupeKey) {
      await prisma.alert.update({ where: { dedupeKey }, data: { deliveredAt: new Date() } });
    },
    async markFailed(dedupeKey, error) {
      await prisma.alert.update({ where: { dedupeKey }, data: { error: error.slice(0, 2000) } });
    },
  };
}
