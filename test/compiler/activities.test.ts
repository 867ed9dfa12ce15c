/** The activity scanner: every exported function is an activity, so its name must be a valid, unique Azure function name. */
import { describe, expect, it } from 'vitest';
import { scanActivities } from '../../compiler/src/activities';

const at = (d: { code: string; span: { file: string; start: { line: number; col: number } } }): string =>
  `${d.code} ${d.span.file}:${d.span.start.line}:${d.span.start.col}`;

describe('scanActivities', () => {
  it('finds exported functions and arrow constants, not types, defaults or other values', () => {
    const scan = scanActivities([
      { file: 'workflows/activities/a.ts', text: 'export async function One() {}\nexport const Two = async () => 1;\nexport const three = 3;\nexport interface T {}\nexport default function () {}\n' },
    ]);
    expect([...scan.activities.keys()]).toEqual(['One', 'Two']);
    expect(scan.diagnostics).toEqual([]);
  });

  it('DF404 at the name of a duplicate export, and of an export that cannot name an Azure function', () => {
    const long = 'A'.repeat(101);
    const scan = scanActivities([
      { file: 'workflows/activities/a.ts', text: 'export function Same() {}\n' },
      { file: 'workflows/activities/b.ts', text: `export function Same() {}\nexport function _helper() {}\nexport const $x = () => 1;\nexport function ${long}() {}\n` },
    ]);
    expect(scan.diagnostics.map(at).sort()).toEqual([
      'DF404 workflows/activities/b.ts:1:17',
      'DF404 workflows/activities/b.ts:2:17',
      'DF404 workflows/activities/b.ts:3:14',
      'DF404 workflows/activities/b.ts:4:17',
    ]);
    expect(scan.diagnostics.find((d) => d.message.includes('_helper'))!.message).toMatch(/^exported function '_helper' cannot be an activity: an activity name is letters, digits and _, starting with a letter/);
    expect([...scan.activities.keys()]).toEqual(['Same']);
  });

  it('DF206 for the names generated/activities.ts gives its imports, DF406 for names that differ only in case', () => {
    const scan = scanActivities([
      { file: 'workflows/activities/a.ts', text: 'export function rt() {}\nexport function df() {}\nexport function Ship() {}\n' },
      { file: 'workflows/activities/b.ts', text: 'export function ship() {}\n' },
    ]);
    expect(scan.diagnostics.map(at)).toEqual(['DF206 workflows/activities/a.ts:1:17', 'DF206 workflows/activities/a.ts:2:17', 'DF406 workflows/activities/b.ts:1:17']);
    expect([...scan.activities.keys()]).toEqual(['Ship']);
  });
});
