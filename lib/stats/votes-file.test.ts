import { describe, expect, it } from 'vitest';
import { detectVotesFormat, parseVotesText, VotesFileError } from './votes-file';

function problems(text: string, format: 'csv' | 'json' | 'jsonl'): string[] {
  try {
    parseVotesText(text, format);
  } catch (err) {
    if (err instanceof VotesFileError) return err.problems.map((p) => `${p.line}: ${p.message}`);
    throw err;
  }
  throw new Error('expected the file to be refused');
}

describe('vote files', () => {
  it('reads CSV with optional rater and extra columns, quotes, CRLF and a BOM', () => {
    const text = '\uFEFFmodel_a,model_b,winner,rater,tstamp\r\nsd35,"sd35-int4, pruned",model_a,u1,1\r\n"sd35-int4, pruned",sd35,tie (bothbad),u2,2\r\n\r\nsd35,flux,tie,u1,3\r\n';
    const file = parseVotesText(text, 'csv');
    expect(file.votes).toEqual([
      { variantA: 'sd35', variantB: 'sd35-int4, pruned', winner: 'a', rater: 'u1' },
      { variantA: 'sd35-int4, pruned', variantB: 'sd35', winner: 'bothbad', rater: 'u2' },
      { variantA: 'sd35', variantB: 'flux', winner: 'tie', rater: 'u1' },
    ]);
    expect(file.firstUnratedLine).toBeNull();
    expect(parseVotesText('model_a,model_b,winner\na,b,model_b\n', 'csv')).toEqual({ format: 'csv', votes: [{ variantA: 'a', variantB: 'b', winner: 'b' }], firstUnratedLine: 2 });
  });

  it('reports every bad CSV line with its number and returns nothing', () => {
    const text = ['model_a,model_b,winner', 'a,b,model_a', 'a,b,A', 'a,a,tie', 'a,b', '"a,b,tie', ',b,tie', 'a,b,model_b'].join('\n');
    expect(problems(text, 'csv')).toEqual([
      '3: winner must be model_a, model_b, tie or "tie (bothbad)" (got "A")',
      '4: model_a and model_b are the same model ("a")',
      '5: expected 3 fields (model_a,model_b,winner), found 2',
      '6: a quoted field is not closed (fields cannot span lines)',
      '7: model_a is not a model name (got "")',
    ]);
    expect(problems('model_a,model_b,result\na,b,model_a\n', 'csv')[0]).toMatch(/^1: the header must name model_a, model_b and winner .*winner missing/);
    expect(problems('model_a,model_b,winner\n', 'csv')).toEqual(['1: the file holds no votes']);
  });

  it("reads Chatbot Arena's battles as JSON lines and as a JSON array, judge as the rater", () => {
    const battle = (a: string, b: string, winner: string, judge?: string) => JSON.stringify({ model_a: a, model_b: b, winner, ...(judge ? { judge } : {}), turn: 1, language: 'English' });
    const lines = [battle('x', 'y', 'model_a', 'arena_user_1'), '', battle('y', 'x', 'tie (bothbad)', 'arena_user_2')].join('\n');
    expect(parseVotesText(lines, 'jsonl').votes).toEqual([
      { variantA: 'x', variantB: 'y', winner: 'a', rater: 'arena_user_1' },
      { variantA: 'y', variantB: 'x', winner: 'bothbad', rater: 'arena_user_2' },
    ]);
    const array = `[\n  ${battle('x', 'y', 'model_b')},\n  ${battle('x', 'z', 'tie')}\n]\n`;
    expect(parseVotesText(array, 'json')).toMatchObject({ votes: [{ winner: 'b' }, { winner: 'tie' }], firstUnratedLine: 2 });
  });

  it('reports bad JSON by line, inside an array too', () => {
    expect(problems('{"model_a":"x","model_b":"y","winner":"model_a"}\n{"model_a":"x",\n[1]\n{"model_a":"x","model_b":"y","winner":"draw"}', 'jsonl')).toEqual([
      expect.stringMatching(/^2: not valid JSON/),
      '3: each line must be a JSON object with model_a, model_b and winner',
      '4: winner must be model_a, model_b, tie or "tie (bothbad)" (got "draw")',
    ]);
    const array = '[\n{"model_a":"x","model_b":"y","winner":"model_a"},\n{"model_a":"x",\n "model_b":"y",\n "winner":"model_a" "judge":"u"},\n{"model_a":"x","model_b":"y"}\n]';
    expect(problems(array, 'json')).toEqual([expect.stringMatching(/^(3|5): not valid JSON/), '6: winner is missing']);
    expect(problems('{"model_a":"x"}', 'json')).toEqual(['1: a JSON vote file must be an array of battle objects (or use JSON lines)']);
    expect(problems('[{"model_a":"x","model_b":"y","winner":"tie"},\n', 'json')).toEqual(['2: the array is not closed']);
  });

  it('lists at most ten problems', () => {
    const text = ['model_a,model_b,winner', ...Array.from({ length: 25 }, () => 'a,b,c')].join('\n');
    let error: VotesFileError | undefined;
    try {
      parseVotesText(text, 'csv');
    } catch (err) {
      error = err as VotesFileError;
    }
    expect(error!.problems).toHaveLength(10);
    expect(error!.more).toBe(true);
  });

  it('detects the format from the name, else from the first character', () => {
    expect(detectVotesFormat('v.csv', '[')).toBe('csv');
    expect(detectVotesFormat('v.jsonl', '')).toBe('jsonl');
    expect(detectVotesFormat('battles.json', '')).toBe('json');
    expect(detectVotesFormat('votes', ' [{}]')).toBe('json');
    expect(detectVotesFormat('votes', '{"a":1}')).toBe('jsonl');
    expect(detectVotesFormat('votes', 'model_a,model_b,winner')).toBe('csv');
  });
});
