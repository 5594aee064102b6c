# One image for the worker, the API, the dashboard and the one-shot migration; compose picks the command.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npx prisma generate && npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/build ./web/build
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./prisma.config.ts
COPY --from=build /app/lib ./lib
# The webhook spool's volume mounts here; created now so the volume starts owned by `node`.
RUN mkdir -p /var/lib/wara/webhook-spool && chown node:node /var/lib/wara/webhook-spool
USER node
# The API's V8 flags (api/node-flags.ts; docker-compose.yml passes the same): a capped young generation.
CMD ["node", "--max-semi-space-size=16", "dist/api/main.js"]
