# One image for every Sésame process: the web/API server (the default command), the Temporal worker and the
# migration job. See docs/operations.md.
#
#   docker build -t sesame .
#   docker run … sesame                                                          # web (port 3000)
#   docker run … sesame node --enable-source-maps dist/runtime/worker-main.js    # worker
#   docker run … sesame node --enable-source-maps dist/runtime/migrate-main.js   # migrations, then exits
#
# Debian, not Alpine: Temporal's core bridge and argon2 ship prebuilt binaries for glibc.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile the TypeScript to dist/ and prebuild the workflow bundle (npm run build)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime: production dependencies and the compiled build, nothing else
FROM ${NODE_IMAGE}
# tini runs as PID 1: it passes SIGTERM on to node (which then drains and stops, see SHUTDOWN_TIMEOUT) and
# reaps any zombie.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay on: argon2's picks its prebuilt binary. The files belong to root and the processes run
# as `node`, so the application cannot rewrite itself.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Liveness of the web process (the worker and the migration job have no HTTP server: compose and Kubernetes
# give them their own checks). fetch is built into Node: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/runtime/web-main.js"]
