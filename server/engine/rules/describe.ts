import type { IndexAdvice } from '../advisor/advisor';
import type { IndexColumn } from '../types';

/** `parent_session_id, priority DESC` */
export function describeColumns(columns: IndexColumn[]): string {
  return columns.map((column) => `${column.name ?? column.expr ?? '?'}${column.desc ? ' DESC' : ''}`).join(', ');
}

/** The advice part of a message: "Add idx_x ON t(a, b): SCAN → SEARCH, sort removed." */
export function describeAdvice(advice: IndexAdvice): string {
  const { suggestion } = advice;
  if (advice.additional.length > 0) {
    const all = [suggestion, ...advice.additional].map((s) => `${s.name} ON ${s.table}(${describeColumns(s.columns)})`);
    return `Add ${all.join(' and ')}: ${advice.improvements.join(', ')}.`;
  }
  const verb = suggestion.replaces ? `Extend ${suggestion.replaces} to` : 'Add';
  return `${verb} ${suggestion.name} ON ${suggestion.table}(${describeColumns(suggestion.columns)}): ${advice.improvements.join(', ')}.`;
}
