import type { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { createWebRouter } from '../../web/router.ts';

/**
 * The pages' routes, read from the web router itself (not listed by hand): a new form is fuzzed the day it is
 * mounted.
 */
export interface PageRoute {
  method: 'GET' | 'POST';
  /** Express's path, parameters as `:name`. */
  path: string;
  key: string;
  /** Matches a concrete path of this route; its groups are the parameters, in order. */
  pattern: RegExp;
  params: string[];
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
}

function walk(stack: Layer[], prefix: string, found: Map<string, PageRoute>): void {
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      for (const method of Object.keys(layer.route.methods)) {
        const upper = method.toUpperCase();
        if (upper !== 'GET' && upper !== 'POST') continue;
        const path = `${prefix}${layer.route.path}`;
        const key = `${upper} ${path}`;
        if (!found.has(key)) found.set(key, { method: upper, path, key, ...patternOf(path) });
      }
    } else if (layer.handle?.stack) {
      const mounted = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      walk(layer.handle.stack, `${prefix}${mounted}`, found);
    }
  }
}

function patternOf(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((part) => {
      const name = /^:([A-Za-z0-9_]+)$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(name);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** Every GET and POST route of the pages, as mounted for these dependencies. */
export function pageRoutes(deps: AppDeps): PageRoute[] {
  const router = createWebRouter(deps, { devMailbox: true, smtp: false }) as Router & { stack: Layer[] };
  const found = new Map<string, PageRoute>();
  walk(router.stack, '', found);
  return [...found.values()];
}
