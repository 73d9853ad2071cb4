import { describe, expect, it } from 'vitest';
import { createIntent, createIntents } from '../../../src/renderer/api/intent';

function ids(...values: string[]) {
  const queue = [...values];
  return () => {
    const next = queue.shift();
    if (next === undefined) throw new Error('no more ids');
    return next;
  };
}

describe('one client request id per user intent', () => {
  it('a double Enter and a retry after a timeout send the same id', () => {
    const intent = createIntent(ids('id-1', 'id-2'));
    expect(intent.id()).toBe('id-1');
    expect(intent.id()).toBe('id-1');
    expect(intent.id()).toBe('id-1');
  });

  it('a new submit after success is a new intent with a new id', () => {
    const intent = createIntent(ids('id-1', 'id-2', 'id-3'));
    expect(intent.id()).toBe('id-1');
    intent.succeeded();
    expect(intent.id()).toBe('id-2');
    expect(intent.id()).toBe('id-2');
    intent.succeeded();
    expect(intent.id()).toBe('id-3');
  });

  it('draws no id before the first submit, and none on success alone', () => {
    let drawn = 0;
    const intent = createIntent(() => `id-${++drawn}`);
    intent.succeeded();
    expect(drawn).toBe(0);
    expect(intent.id()).toBe('id-1');
    expect(drawn).toBe(1);
  });

  it('by default draws UUIDs, a different one per intent', () => {
    const intent = createIntent();
    const first = intent.id();
    intent.succeeded();
    const second = intent.id();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
  });

  it('keyed intents (one per roster row or consent purpose) keep their ids apart', () => {
    const intentFor = createIntents(ids('id-1', 'id-2', 'id-3'));
    expect(intentFor('carl').id()).toBe('id-1');
    expect(intentFor('nina').id()).toBe('id-2');
    expect(intentFor('carl').id()).toBe('id-1');
    intentFor('carl').succeeded();
    expect(intentFor('nina').id()).toBe('id-2');
    expect(intentFor('carl').id()).toBe('id-3');
  });
});
