import { parseOptions } from '@aiops/core';
import { isPlaceholder, maskedKey, maskedTokenCount, maskMessage } from './mask.js';
import {
  type MineResult,
  type TemplateMiner,
  type TemplateMinerOptions,
  TemplateMinerOptionsSchema,
} from './template-miner-types.js';

interface Cluster {
  /** The result returned for a message that matched this template unchanged, made once. */
  same?: MineResult;
  id: number;
  tokens: string[];
  template: string;
  count: number;
  route: string[];
  used: boolean;
  alive: boolean;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: Cluster[];
}

const WILD = '<*>';
const newNode = (): TreeNode => ({ children: new Map(), clusters: [] });
const hasPlaceholder = (token: string): boolean => token.indexOf('<') >= 0 && token.indexOf('>') > 0;

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/**
 * Whether a token is a dotted label, `com.example.Service:` or `db.pool:`: a name with a dot between
 * two letters, ending in a colon. Leading a message, it names the logger or job that wrote it (the
 * header most formats put before the text), which varies where the message's words do not.
 */
function isDottedLabel(token: string): boolean {
  if (token.charCodeAt(token.length - 1) !== 58) return false;
  for (let i = token.indexOf('.'); i > 0 && i < token.length - 2; i = token.indexOf('.', i + 1)) {
    if (isLetter(token.charCodeAt(i - 1)) && isLetter(token.charCodeAt(i + 1))) return true;
  }
  return false;
}
/** The tree key of a leading token: variables (placeholders, dotted labels) share the wildcard branch. */
const routeKey = (token: string): string => (hasPlaceholder(token) || isDottedLabel(token) ? WILD : token);

/**
 * Creates a {@link TemplateMiner}.
 *
 * @example
 * ```ts
 * import { createTemplateMiner } from '@aiops/detectors';
 * const miner = createTemplateMiner();
 * miner.add('Connection from 10.0.0.1 closed after 12ms');
 * const { template } = miner.add('Connection from 10.0.0.9 closed after 310ms');
 * template.template; // 'Connection from <IP> closed after <DURATION>'
 * miner.parameters(template, 'Connection from 10.0.0.9 closed after 310ms'); // ['10.0.0.9', '310ms']
 * ```
 */
export function createTemplateMiner(options: TemplateMinerOptions = {}): TemplateMiner {
  const o = parseOptions(TemplateMinerOptionsSchema, options, 'createTemplateMiner');
  const routeDepth = o.depth - 2;
  let root = new Map<number, TreeNode>();
  let clusters = new Map<number, Cluster>();
  const cache = new Map<number, Cluster>();
  let nextId = 1;
  let lines = 0;
  let evicted = 0;
  const scratch: string[] = [];

  function routeOf(tokens: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < routeDepth && i < tokens.length; i++) out.push(tokens[i]!);
    return out;
  }

  /** The leaf for a route, created on the way when `create`; `undefined` when absent. */
  function leafFor(length: number, route: readonly string[], create: boolean): TreeNode | undefined {
    let node = root.get(length);
    if (!node) {
      if (!create) return undefined;
      node = newNode();
      root.set(length, node);
    }
    for (const raw of route) {
      const next = child(node, routeKey(raw), create);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** The child for a token; a full node sends new tokens to its wildcard child. */
  function child(node: TreeNode, token: string, create: boolean): TreeNode | undefined {
    const found = node.children.get(token);
    if (found) return found;
    if (!create) return node.children.get(WILD);
    const key = token !== WILD && node.children.size >= o.maxChildren ? WILD : token;
    let made = node.children.get(key);
    if (!made) {
      made = newNode();
      node.children.set(key, made);
    }
    return made;
  }

  /**
   * Drain's similarity, over constant tokens only: positions where the template has `<*>`, or where
   * both sides hold a placeholder, are variables and do not vote. Returns the share of the voting
   * positions that match, and the number of variable positions (the tie-breaker).
   */
  function similarity(c: Cluster, tokens: readonly string[]): [number, number] {
    let same = 0;
    let params = 0;
    const t = c.tokens;
    for (let i = 0; i < t.length; i++) {
      const a = t[i]!;
      const b = tokens[i]!;
      if (a === WILD) params++;
      else if (a === b) {
        if (hasPlaceholder(a)) params++;
        else same++;
      } else if (isPlaceholder(a) && isPlaceholder(b)) params++;
    }
    const voting = t.length - params;
    return [voting === 0 ? 1 : same / voting, params];
  }

  function best(leaf: TreeNode, tokens: readonly string[]): Cluster | undefined {
    let found: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of leaf.clusters) {
      const [sim, params] = similarity(c, tokens);
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        found = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return found && bestSim >= o.similarityThreshold ? found : undefined;
  }

  /** The clock hand over the templates: a live iterator that keeps its place (see the series table). */
  let hand: IterableIterator<Cluster> | undefined;

  function evictOne(): void {
    for (let wrapped = 0; wrapped < 3; ) {
      hand ??= clusters.values();
      const next = hand.next();
      if (next.done) {
        hand = undefined;
        wrapped++;
        continue;
      }
      const c = next.value;
      if (c.used) {
        c.used = false;
        continue;
      }
      clusters.delete(c.id);
      c.alive = false;
      const leaf = leafFor(c.tokens.length, c.route, false)?.clusters ?? [];
      const i = leaf.indexOf(c);
      if (i >= 0) leaf.splice(i, 1);
      evicted++;
      return;
    }
  }

  function create(tokens: readonly string[], route: string[], leaf: TreeNode, id = nextId++, count = 1): Cluster {
    if (clusters.size >= o.maxTemplates) evictOne();
    const c: Cluster = {
      id,
      tokens: tokens.slice(),
      template: tokens.join(' '),
      count,
      route,
      used: false,
      alive: true,
    };
    leaf.clusters.push(c);
    clusters.set(id, c);
    return c;
  }

  function remember(key: number, c: Cluster): void {
    if (o.cacheSize === 0) return;
    if (cache.size >= o.cacheSize) cache.clear();
    cache.set(key, c);
  }

  return {
    add(message) {
      lines++;
      const key = maskedKey(message);
      const hit = cache.get(key);
      if (hit?.alive && hit.tokens.length === maskedTokenCount()) {
        hit.count++;
        hit.used = true;
        // Not enumerable: a template handed out must stay plain JSON, without a cycle through this.
        if (!hit.same)
          Object.defineProperty(hit, 'same', { value: { template: hit, change: 'none' }, enumerable: false });
        return hit.same!;
      }
      const tokens = maskMessage(message, scratch);
      const route = routeOf(tokens);
      const leaf = leafFor(tokens.length, route, true)!;
      const c = best(leaf, tokens);
      if (!c) {
        const made = create(tokens, route, leaf);
        remember(key, made);
        return { template: made, change: 'new' };
      }
      c.count++;
      c.used = true;
      let changed = false;
      for (let i = 0; i < c.tokens.length; i++) {
        if (c.tokens[i] !== WILD && c.tokens[i] !== tokens[i]) {
          c.tokens[i] = WILD;
          changed = true;
        }
      }
      if (changed) c.template = c.tokens.join(' ');
      remember(key, c);
      return { template: c, change: changed ? 'updated' : 'none' };
    },
    match(message) {
      const hit = cache.get(maskedKey(message));
      if (hit?.alive && hit.tokens.length === maskedTokenCount()) return hit;
      const tokens = maskMessage(message, scratch);
      const leaf = leafFor(tokens.length, routeOf(tokens), false);
      return leaf ? best(leaf, tokens) : undefined;
    },
    parameters(template, message) {
      const words = message.split(/[ \t\r\n]+/).filter((w) => w.length > 0);
      const out: string[] = [];
      template.tokens.forEach((t, i) => {
        if (hasPlaceholder(t) && words[i] !== undefined) out.push(words[i]!);
      });
      return out;
    },
    templates() {
      return [...clusters.values()].sort((a, b) => b.count - a.count);
    },
    stats() {
      return { templates: clusters.size, lines, evicted };
    },
    snapshot() {
      const templates: [number, string[], number, string[]][] = [];
      for (const c of clusters.values()) templates.push([c.id, c.tokens.slice(), c.count, c.route.slice()]);
      const cached: [number, number][] = [];
      for (const [key, c] of cache) if (c.alive) cached.push([key, c.id]);
      return { version: 1, nextId, lines, evicted, templates, cache: cached };
    },
    restore(state) {
      if (state?.version !== 1) throw new TypeError('not a template miner snapshot (version 1)');
      root = new Map();
      clusters = new Map();
      hand = undefined;
      cache.clear();
      nextId = state.nextId;
      lines = state.lines;
      evicted = state.evicted;
      for (const [id, tokens, count, route] of state.templates) {
        const leaf = leafFor(tokens.length, route, true)!;
        create(tokens, route.slice(), leaf, id, count);
      }
      for (const [key, id] of state.cache ?? []) {
        const c = clusters.get(id);
        if (c) cache.set(key, c);
      }
    },
  };
}
