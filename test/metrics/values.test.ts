import { describe, expect, it } from 'vitest';
import {
  BadQuery,
  MultipleSeries,
  NoData,
  dropNoData,
  requireSingleSeries,
  requireSingleValue,
  requireVector,
  singleValueOrUndefined,
  sumValues,
  valuesByLabel,
  type InstantVector,
  type Labels,
  type Matrix,
  type Scalar,
} from '../../src/metrics/index.ts';

const time = new Date('2026-11-29T10:30:00Z');
const query = 'sum(x)';

function vector(...series: [Labels, number][]): InstantVector {
  return {
    type: 'vector',
    query,
    time,
    warnings: [],
    series: series.map(([labels, value]) => ({ labels, sample: { timeMs: time.getTime(), value } })),
  };
}

function matrix(...series: [Labels, number[]][]): Matrix {
  return {
    type: 'matrix',
    query,
    start: time,
    end: time,
    stepSeconds: 60,
    warnings: [],
    series: series.map(([labels, values]) => ({
      labels,
      samples: values.map((value, i) => ({ timeMs: i * 60_000, value })),
    })),
  };
}

describe('requireSingleValue', () => {
  it('returns the one value, infinities included', () => {
    expect(requireSingleValue(vector([{}, 42]))).toBe(42);
    expect(requireSingleValue(vector([{}, Infinity]))).toBe(Infinity);
    const scalar: Scalar = { type: 'scalar', query, time, warnings: [], sample: { timeMs: 0, value: 0.5 } };
    expect(requireSingleValue(scalar)).toBe(0.5);
  });

  it('treats an empty vector as no data, naming the query', () => {
    expect(() => requireSingleValue(vector())).toThrow(NoData);
    expect(() => requireSingleValue(vector())).toThrow(
      /no data at 2026-11-29T10:30:00.000Z for query: sum\(x\)/,
    );
  });

  it('treats NaN as no data, never 0', () => {
    try {
      requireSingleValue(vector([{}, Number.NaN]));
      throw new Error('expected NoData');
    } catch (err) {
      expect(err).toBeInstanceOf(NoData);
      expect((err as NoData).reason).toBe('nan');
    }
    expect(singleValueOrUndefined(vector([{}, Number.NaN]))).toBeUndefined();
    expect(singleValueOrUndefined(vector([{}, 0]))).toBe(0);
  });

  it('lists the label sets of several series', () => {
    const result = vector(
      [{ source_workload_namespace: 'istio-system' }, 1],
      [{ source_workload_namespace: 'istio-ingress' }, 2],
    );
    expect(() => requireSingleValue(result)).toThrow(MultipleSeries);
    expect(() => requireSingleValue(result)).toThrow(
      /series: \{source_workload_namespace="istio-system"\}, \{source_workload_namespace="istio-ingress"\}/,
    );
    expect(() => singleValueOrUndefined(result)).toThrow(MultipleSeries);
  });
});

describe('requireSingleSeries', () => {
  it('drops NaN samples', () => {
    expect(requireSingleSeries(matrix([{}, [1, Number.NaN, 3]])).map((s) => s.value)).toEqual([1, 3]);
  });

  it('is no data when empty or all NaN', () => {
    expect(() => requireSingleSeries(matrix())).toThrow(NoData);
    expect(() => requireSingleSeries(matrix([{}, [Number.NaN, Number.NaN]]))).toThrow(NoData);
  });

  it('rejects several series', () => {
    expect(() => requireSingleSeries(matrix([{ a: '1' }, [1]], [{ a: '2' }, [2]]))).toThrow(MultipleSeries);
  });
});

describe('valuesByLabel and sumValues', () => {
  it('keys by a label and drops NaN', () => {
    const m = valuesByLabel(
      vector(
        [{ response_flags: 'UO' }, 5],
        [{ response_flags: '-' }, 2],
        [{ response_flags: 'UF' }, Number.NaN],
      ),
      'response_flags',
    );
    expect([...m]).toEqual([
      ['UO', 5],
      ['-', 2],
    ]);
  });

  it('rejects duplicate keys', () => {
    expect(() => valuesByLabel(vector([{ le: '1', pod: 'a' }, 1], [{ le: '1', pod: 'b' }, 1]), 'le')).toThrow(
      MultipleSeries,
    );
  });

  it('sums without NaN; nothing left is undefined', () => {
    expect(sumValues(vector([{ a: '1' }, 1], [{ a: '2' }, Number.NaN], [{ a: '3' }, 2]))).toBe(3);
    expect(sumValues(vector())).toBeUndefined();
    expect(sumValues(vector([{}, Number.NaN]))).toBeUndefined();
  });

  it('rejects a scalar where a vector is needed', () => {
    const scalar: Scalar = { type: 'scalar', query, time, warnings: [], sample: { timeMs: 0, value: 1 } };
    expect(() => valuesByLabel(scalar, 'le')).toThrow(/expected a vector keyed by le/);
    expect(() => requireVector(scalar)).toThrow(BadQuery);
    expect(sumValues(scalar)).toBe(1);
  });

  it('dropNoData', () => {
    expect(
      dropNoData([
        { timeMs: 0, value: Number.NaN },
        { timeMs: 1, value: -Infinity },
      ]),
    ).toEqual([{ timeMs: 1, value: -Infinity }]);
  });
});
