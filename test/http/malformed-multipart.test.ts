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

  // Past the field limit with a file still to come, the file's stream closed early and that surfaced as a 500.
  it.each([0, 1])('with more than 32 fields and %i file parts', async (fileCount) => {
    const part = (name: string, value: string, file = false) =>
      `--abc\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="a.png"\r\nContent-Type: image/png' : ''}\r\n\r\n${value}\r\n`;
    const fields = ['messaging_product', ...Array.from({ length: 33 }, (_, i) => `f${i}`)].map((n) => part(n, n === 'messaging_product' ? 'whatsapp' : 'x'));
    const body = `${fields.join('')}${fileCount ? part('file', 'PNG-bytes', true) : ''}--abc--\r\n`;
    expectGraphError(await post('multipart/form-data; boundary=abc', body), { status: 400, code: 100, details: /Too many fields in the multipart\/form-data body: at most 32/ });
  });
});
