/** LinkLife: a transport's life ends once, by death (listeners told once) or by its owner's close. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LinkLife } from '../../src/transport/link-life';

describe('LinkLife', () => {
  it('a death runs the cleanup, then tells every listener once; a second death does nothing', () => {
    const life = new LinkLife();
    const heard: string[] = [];
    life.onClose((err) => heard.push(`a:${err?.message}`));
    life.onClose((err) => heard.push(`b:${err?.message}`));
    assert.equal(
      life.die(new Error('gone'), () => heard.push('cleanup')),
      true,
    );
    assert.equal(
      life.die(new Error('again'), () => heard.push('cleanup again')),
      false,
    );
    assert.deepEqual(heard, ['cleanup', 'a:gone', 'b:gone']);
    assert.equal(life.closed, false, 'a death is not a close by the owner');
    assert.equal(life.close(), true, 'the owner still closes what is left after a death');
    assert.equal(life.closed, true);
  });

  it('after close, nobody is told and a death or a second close is a no-op', () => {
    const life = new LinkLife();
    let told = 0;
    let cleaned = 0;
    life.onClose(() => told++);
    assert.equal(life.close(), true);
    assert.equal(life.close(), false);
    assert.equal(
      life.die(new Error('late'), () => cleaned++),
      false,
    );
    assert.equal(told, 0);
    assert.equal(cleaned, 0);
  });

  it('an unsubscribed listener is not told', () => {
    const life = new LinkLife();
    let told = 0;
    const off = life.onClose(() => told++);
    off();
    life.die(new Error('gone'), () => undefined);
    assert.equal(told, 0);
  });
});
