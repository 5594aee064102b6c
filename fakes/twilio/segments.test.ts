// SMS segment counting: GSM-7 vs UCS-2, extension characters, surrogate pairs and segment edges.
import { describe, expect, it } from 'vitest';
import { smsSegments } from './segments.js';

describe('smsSegments', () => {
  it('fits 160 plain ASCII characters in one GSM-7 segment and splits 161 into two of 153', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters (€ and ^{}[]~|\\) as two septets', () => {
    expect(smsSegments('€')).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
    expect(smsSegments('a'.repeat(158) + '€')).toMatchObject({ segments: 1, units: 160 });
    expect(smsSegments('a'.repeat(159) + '€')).toMatchObject({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments('^{}[]~|\\').units).toBe(16);
  });

  it('never splits an escape sequence across segments', () => {
    // 306 septets would be exactly two segments of 153, but the € cannot straddle the edge.
    expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
  });

  it('keeps é (in the GSM alphabet) as GSM-7 but switches to UCS-2 for ś', () => {
    expect(smsSegments('é'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('ś')).toEqual({ encoding: 'UCS-2', segments: 1, units: 1 });
    expect(smsSegments('ś'.repeat(70)).segments).toBe(1);
    expect(smsSegments('ś'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
    // One non-GSM character turns the whole body into UCS-2.
    expect(smsSegments('a'.repeat(100) + 'ś')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('counts an emoji as two UTF-16 code units and never splits the pair', () => {
    expect(smsSegments('😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
    expect(smsSegments('😀'.repeat(35))).toMatchObject({ segments: 1, units: 70 });
    expect(smsSegments('a'.repeat(69) + '😀')).toMatchObject({ segments: 2, units: 71 });
    expect(smsSegments('a'.repeat(66) + '😀' + 'a'.repeat(66))).toMatchObject({ units: 134, segments: 3 });
  });

  it('splits the 1600-character maximum into 11 GSM-7 or 24 UCS-2 segments', () => {
    expect(smsSegments('x'.repeat(1600))).toEqual({ encoding: 'GSM-7', segments: 11, units: 1600 });
    expect(smsSegments('ж'.repeat(1600))).toEqual({ encoding: 'UCS-2', segments: 24, units: 1600 });
  });

  it('reports one segment for an empty body', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', segments: 1, units: 0 });
  });
});
