# syntax=docker/dockerfile:1
# One image for every Driftwatch process: `start` (embedded, all services) or one of
# `poller | differ | responder | api` (distributed, needs KAFKA_BROKERS and REDIS_URL).
# Sources are TypeScript, compiled into services/cli/dist by scripts/build.mjs (bin/driftwatch.mjs
# runs the build while it matches the sources, and falls back to tsx when it does not).

# --- workspace manifests only, so the dependency layer is rebuilt only when they change -------
FROM node:20-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! \( -name package.json -o -name pnpm-lock.yaml -o -name pnpm-workspace.yaml -o -name .npmrc \) -delete \
 && find . -depth -type d -empty -delete

# --- dependencies + sources -------------------------------------------------------------------
FROM node:20-slim AS build
# better-sqlite3 (the embedded store's driver) compiles its native addon at install (node-gyp);
# the runtime stage copies the built addon, not the compilers.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install --global pnpm@10.34.8 && npm cache clean --force
WORKDIR /app
COPY --from=manifests /src/ ./
# tsx (a runtime dependency of the CLI) and the workspace's dev tools come with --prod=false.
RUN --mount=type=cache,id=driftwatch-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod=false --store-dir=/pnpm/store
COPY . .
RUN node scripts/build.mjs

# --- runtime ----------------------------------------------------------------------------------
FROM node:20-slim
ENV NODE_ENV=production \
    DRIFTWATCH_DATA_DIR=/var/lib/driftwatch
WORKDIR /app
# Code stays owned by root (read-only to the service); only the data directory is writable.
COPY --from=build /app /app
RUN mkdir -p /var/lib/driftwatch /etc/driftwatch \
 && chown node:node /var/lib/driftwatch
USER node
# 7420: api (and `start`); 9464: /metrics /healthz /readyz of poller, differ and responder.
EXPOSE 7420 9464
# Mount a config at /etc/driftwatch/driftwatch.yaml (see deploy/config/driftwatch.yaml), or run
# the bundled demo fleet: `docker run -p 7420:7420 IMAGE start --config demo/driftwatch.yaml`.
ENTRYPOINT ["node", "services/cli/bin/driftwatch.mjs"]
CMD ["start", "--config", "/etc/driftwatch/driftwatch.yaml", "--host", "0.0.0.0"]
