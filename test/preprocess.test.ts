// The shader preprocessor: `//#include` splices shared parts in, `//#if feature` blocks keep the
// right lines for each feature set and nest, and malformed input is refused rather than compiled
// half-stripped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preprocess } from '../src/gpu/preprocess.ts';

const SOURCE = [
  'a',
  '//#if subgroups',
  'enable subgroups;',
  '//#else',
  'plain',
  '//#endif',
  'b',
].join('\n');

test('the if branch is kept with the feature, the else branch without it', () => {
  assert.is(preprocess(SOURCE, { subgroups: true }), 'a\nenable subgroups;\nb');
  assert.is(preprocess(SOURCE, { subgroups: false }), 'a\nplain\nb');
});

test('a block without else keeps nothing when the feature is off', () => {
  assert.is(preprocess('x\n//#if subgroups\ny\n//#endif\nz', { subgroups: false }), 'x\nz');
});

test('nested blocks keep a line only when every enclosing branch is kept', () => {
  const nested = ['//#if subgroups', 'outer', '//#if subgroups', 'inner', '//#else', 'never', '//#endif', '//#else', 'off', '//#endif'].join('\n');
  assert.is(preprocess(nested, { subgroups: true }), 'outer\ninner');
  assert.is(preprocess(nested, { subgroups: false }), 'off');
});

test('malformed blocks and unknown features are errors naming the line', () => {
  assert.throws(() => preprocess('//#if subgroups\nx', { subgroups: true }), /without \/\/#endif/);
  assert.throws(() => preprocess('x\n//#endif', { subgroups: true }), /line 2: \/\/#endif without/);
  assert.throws(() => preprocess('//#else', { subgroups: true }), /line 1: \/\/#else without/);
  assert.throws(() => preprocess('//#if subgroups\n//#else\n//#else\n//#endif', { subgroups: true }), /line 3/);
  assert.throws(() => preprocess('//#if f16\n//#endif', { subgroups: true }), /unknown feature 'f16'/);
});

test('an include is replaced by its part, whose own #if blocks are then chosen too', () => {
  const parts = { common: 'shared\n//#if subgroups\nfast\n//#else\nslow\n//#endif' };
  assert.is(preprocess('top\n//#include common\nbottom', { subgroups: true }, parts), 'top\nshared\nfast\nbottom');
  assert.is(preprocess('top\n//#include common\nbottom', { subgroups: false }, parts), 'top\nshared\nslow\nbottom');
});

test('unknown, repeated and nested includes are errors', () => {
  assert.throws(() => preprocess('//#include missing', { subgroups: true }, {}), /line 1: \/\/#include of unknown part 'missing'/);
  assert.throws(() => preprocess('//#include a\n//#include a', { subgroups: true }, { a: 'x' }), /line 2: part 'a' is included twice/);
  assert.throws(() => preprocess('//#include a', { subgroups: true }, { a: '//#include b', b: 'y' }), /parts do not nest/);
});

test('text without directives passes through unchanged', () => {
  const plain = 'struct P { a: u32 }\n// a comment with #if in it\n';
  assert.is(preprocess(plain, { subgroups: false }), plain);
});

test.run();
