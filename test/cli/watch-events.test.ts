/** How the watcher folds a burst of events on one file into the change it reports. */
import { describe, expect, it } from 'vitest';
import { describeChanges, isSource, merge } from '../../compiler/src/cli/watch';

describe('watch events', () => {
  it('folds a burst on one file into one change', () => {
    expect(merge('removed', 'added')).toBe('changed'); // a rename-style save
    expect(merge('added', 'changed')).toBe('added'); // a new file, then written
    expect(merge('added', 'removed')).toBeUndefined(); // came and went: nothing to compile
    expect(merge('changed', 'removed')).toBe('removed');
    expect(merge('changed', 'changed')).toBe('changed');
  });

  it('compiles for workflows and activities, not for the record compile writes itself', () => {
    expect(isSource('workflows/a.yaml')).toBe(true);
    expect(isSource('workflows/activities/greet.ts')).toBe(true);
    expect(isSource('workflows/.versions/a/v2.yaml')).toBe(false);
    expect(isSource('workflows/.a.yaml.swp')).toBe(false);
    expect(isSource('workflows/sedAbC123')).toBe(false);
  });

  it('names at most five files', () => {
    const seen = 0;
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => ({ file: `workflows/${n}.yaml`, event: 'changed' as const, seen }));
    expect(describeChanges(many)).toBe('workflows/a.yaml changed, workflows/b.yaml changed, workflows/c.yaml changed, workflows/d.yaml changed, workflows/e.yaml changed and 2 more');
  });
});
