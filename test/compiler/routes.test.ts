/** Route templates and when two can match one request (DF405). */
import { describe, expect, it } from 'vitest';
import { overlappingPair, overlaps, parseTemplate, RESERVED_ROUTES, workflowRoutes } from '../../compiler/src/routes';

const o = (a: string, b: string): boolean => overlaps(parseTemplate(a), parseTemplate(b));

describe('route overlap', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'ORDERS', true],
    ['orders', 'orders2', false],
    ['orders', 'orders/process', false],
    ['orders/{id}', 'orders/process', true],
    ['orders/{id?}', 'orders', true],
    ['orders/{id?}/{action?}', 'orders/a/b', true],
    ['orders/{id?}/{action?}', 'orders/a/b/c', false],
    ['flow/{*rest}', 'flow', true],
    ['flow/{*rest}', 'flow/a/b/c', true],
    ['flow/{*rest}', 'flows', false],
    ['{*rest}', 'anything/at/all', true],
    ['a/{x:int}', 'a/b', true],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(o(a, b)).toBe(expected);
    expect(o(b, a)).toBe(expected);
  });

  it('a workflow under another one\'s management routes overlaps it; siblings do not', () => {
    expect(overlappingPair(workflowRoutes('orders'), workflowRoutes('orders/instances'))).toEqual(['orders/instances/{id?}/{action?}/{event?}', 'orders/instances']);
    expect(overlappingPair(workflowRoutes('orders'), workflowRoutes('orders/instances/a/b/c'))).toBeDefined();
    expect(overlappingPair(workflowRoutes('orders'), workflowRoutes('orders/instances/a/b/c/d'))).toBeUndefined();
    expect(overlappingPair(workflowRoutes('orders'), workflowRoutes('orders/process'))).toBeUndefined();
    expect(overlappingPair(workflowRoutes('a/b'), workflowRoutes('a/c'))).toBeUndefined();
  });

  it('the reserved routes', () => {
    const reserved = RESERVED_ROUTES.map((r) => r.template);
    expect(overlappingPair(workflowRoutes('openapi.json'), reserved)).toBeDefined();
    expect(overlappingPair(workflowRoutes('flow/x'), reserved)).toBeDefined();
    expect(overlappingPair(workflowRoutes('workflows/flow'), reserved)).toBeUndefined();
  });
});
