# syntax=docker/dockerfile:1
# Build: compile TypeScript with the dev dependencies, then ship only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="meridio-path-exporter" \
      org.opencontainers.image.description="Per-node Prometheus exporter for the Meridio / NSM traffic path" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
# iproute2 (ip, bridge) and nsenter (util-linux, already in the base) for the netns and node-local
# pod sources: the agent's own tools read the pods, so their images do not matter.
RUN apt-get update && apt-get install -y --no-install-recommends iproute2 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY demo ./demo
USER 65532:65532
EXPOSE 9847
# glibc hands buffers of 128 kB and more (renders, gzip output) back to the kernel when freed instead
# of keeping them in fragmented arenas: at 1,000 interfaces under scrape load, anonymous memory
# ≈ 100 MB -> ≈ 70 MB (README, Performance).
ENV MALLOC_MMAP_THRESHOLD_=131072
# V8 tuned for a process that wakes every 15 s (DESIGN.md, Cost): a fixed 4 MB young generation holds a
# cycle's garbage, so one cycle's snapshot dies young instead of filling the old generation; Maglev
# without TurboFan, and no memory reducer, stop the collect-deoptimise-recompile churn of helper threads.
ENTRYPOINT ["node", "--min-semi-space-size=4", "--max-semi-space-size=4", "--max-opt=2", "--no-memory-reducer", "dist/main.js"]
