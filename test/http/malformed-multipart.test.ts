import { describe, it } from 'vitest';
import { expectGraphError } from '../support/graph-helpers.js';
import { addNumber, sharedPlatform } from '../support/platform.js';

/** Broken multipart bodies are the client's fault: Graph's 100, never a 500 (found by the fuzz suite). */
describe('malformed multipart/form-data bodies', () => {
  const shared = sharedPlatform();

  const post = async (contentType: string, body: string) => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world);
    return tp.request('POST', `/v23.0/${number.id}/media`, { token: world.token, headers: { 'content-type': contentType }, body });
  };

  it('without a boundary', async () => {
    expectGraphError(await post('multipart/form-data', 'xx'), { status: 400, code: 100, details: /Malformed multipart/ });
  });

  it('cut off in the middle of a part', async () => {
    const body = '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nhello';
    expectGraphError(await post('multipart/form-data; boundary=abc', body), { status: 400, code: 100, details: /Malformed multipart/ });
  });
});
