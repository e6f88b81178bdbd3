import type { Report } from './verify';

/** A report as lines a person reads: one per check, then the verdict. */
export function formatReport(report: Report): string {
  const lines = report.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
  lines.push('');
  lines.push(report.ok ? report.summary : `NOT VERIFIED — failed: ${failed.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
