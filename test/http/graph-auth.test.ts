import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_VERSION, TestPlatform, addNumber, createWorld, type World } from '../support/platform.js';
import { advanceClock, createToken, expectGraphError, expectSuccess, expectUnsupportedRequest, graphForm, stopWorlds } from '../support/graph-helpers.js';

/** Authentication, scoping and routing of every Graph call, over real HTTP. */
describe('Graph API: authentication, scope and routing', () => {
  let tp: TestPlatform;
  let world: World;
  let other: World;
  let numberId: string;
  let otherNumberId: string;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    other = await createWorld(tp);
    numberId = (await addNumber(tp, world)).id;
    otherNumberId = (await addNumber(tp, other)).id;
  });
  afterAll(async () => {
    await stopWorlds(world, other);
    await tp.stop();
  });

  describe('missing token', () => {
    it('answers 104 with HTTP 400 when no token is sent', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}/phone_numbers`);
      expectGraphError(res, { status: 400, code: 104, subcode: null, type: 'OAuthException', message: 'An access token is required to request this resource.' });
    });

    it('answers 104 on POST edges too, before looking at the body', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { body: { messaging_product: 'whatsapp', pin: '123456' } });
      expectGraphError(res, { status: 400, code: 104, type: 'OAuthException' });
    });

    it('answers 104 for an empty access_token parameter', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}?access_token=`);
      expectGraphError(res, { status: 400, code: 104 });
    });

    it('answers 104 for an Authorization header that is not a bearer token', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expectGraphError(res, { status: 400, code: 104 });
    });

    it('answers 104 for an unknown object too (authentication comes first)', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/999999999999999`);
      expectGraphError(res, { status: 400, code: 104 });
    });
  });

  describe('malformed or unknown token', () => {
    it('answers 190 with HTTP 401 for a token that was never issued', async () => {
      const res = await tp.graph('GET', `${world.wabaId}/phone_numbers`, 'EAASnot-a-real-token');
      expectGraphError(res, { status: 401, code: 190, subcode: null, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token' });
    });

    it('answers 190 for garbage in the access_token query parameter', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}?access_token=%%%garbage`);
      expectGraphError(res, { status: 401, code: 190 });
    });

    it('answers 190, not 104, for a Bearer header with more than a token', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}`, { headers: { authorization: `Bearer ${world.token} extra` } });
      expectGraphError(res, { status: 401, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    });

    it('does not reveal whether an object exists to an invalid token', async () => {
      const res = await tp.graph('GET', numberId, 'EAASbogus');
      expectGraphError(res, { status: 401, code: 190 });
    });

    it('accepts the OAuth scheme name as well as Bearer', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}`, { headers: { authorization: `OAuth ${world.token}` } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: world.wabaId });
    });
  });

  describe('expired token', () => {
    it('works until it expires, then answers 190 subcode 463 with HTTP 401', async () => {
      const token = await createToken(tp, { app_id: world.appId, business_ids: [world.partnerId], expires_in_seconds: 60 });
      const before = await tp.graph('GET', `${world.wabaId}/phone_numbers`, token);
      expect(before.status).toBe(200);

      await advanceClock(tp, 61);
      const res = await tp.graph('GET', `${world.wabaId}/phone_numbers`, token);
      expectGraphError(res, {
        status: 401,
        code: 190,
        subcode: 463,
        type: 'OAuthException',
        message: /^Error validating access token: Session has expired on [A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d UTC\. The current time is [A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d UTC\.$/,
      });

      // A token without expiry is unaffected by the clock.
      expect((await tp.graph('GET', `${world.wabaId}/phone_numbers`, world.token)).status).toBe(200);
    });

    it('expires on POST edges as well', async () => {
      const token = await createToken(tp, { app_id: world.appId, business_ids: [world.partnerId], expires_in_seconds: 1 });
      await advanceClock(tp, 2);
      const res = await tp.graph('POST', `${numberId}/register`, token, { messaging_product: 'whatsapp', pin: '123456' });
      expectGraphError(res, { status: 401, code: 190, subcode: 463 });
    });
  });

  describe('scope: a token touching assets it is not scoped to', () => {
    it("answers 100/33 GraphMethodException for another partner's WABA", async () => {
      const res = await tp.graph('GET', world.wabaId, other.token);
      expectUnsupportedRequest(res, 'GET', world.wabaId);
    });

    it("answers 100/33 for another partner's WABA edge", async () => {
      const res = await tp.graph('GET', `${world.wabaId}/phone_numbers`, other.token);
      expectUnsupportedRequest(res, 'GET', world.wabaId);
    });

    it("answers 100/33 for another partner's phone number (GET and POST wording)", async () => {
      expectUnsupportedRequest(await tp.graph('GET', numberId, other.token), 'GET', numberId);
      const post = await tp.graph('POST', `${numberId}/register`, other.token, { messaging_product: 'whatsapp', pin: '123456' });
      expectUnsupportedRequest(post, 'POST', numberId);
      const dereg = await tp.graph('POST', `${numberId}/deregister`, other.token);
      expectUnsupportedRequest(dereg, 'POST', numberId);
    });

    it('leaves the foreign number untouched after a refused call', async () => {
      await tp.graph('POST', `${numberId}/deregister`, other.token);
      const mine = await tp.graph('GET', `${numberId}?fields=platform_type`, world.token);
      expect(mine.body).toEqual({ platform_type: 'CLOUD_API', id: numberId });
    });

    it('scopes a WABA-scoped token to exactly its WABA', async () => {
      const token = await createToken(tp, { waba_ids: [world.wabaId] });
      expect((await tp.graph('GET', world.wabaId, token)).status).toBe(200);
      expect((await tp.graph('GET', numberId, token)).status).toBe(200);
      expectUnsupportedRequest(await tp.graph('GET', other.wabaId, token), 'GET', other.wabaId);
      expectUnsupportedRequest(await tp.graph('GET', otherNumberId, token), 'GET', otherNumberId);
    });

    it("lets the client business's own token in (owner scope)", async () => {
      const token = await createToken(tp, { business_ids: [world.businessId] });
      expect((await tp.graph('GET', `${world.wabaId}/phone_numbers`, token)).status).toBe(200);
      expectUnsupportedRequest(await tp.graph('GET', other.wabaId, token), 'GET', other.wabaId);
    });

    it('gives a token scoped to nothing access to nothing', async () => {
      const token = await createToken(tp, {});
      expectUnsupportedRequest(await tp.graph('GET', world.wabaId, token), 'GET', world.wabaId);
    });
  });

  describe('permissions', () => {
    it('answers code 200 with HTTP 403 when whatsapp_business_management is missing', async () => {
      const token = await createToken(tp, { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_messaging'] });
      const res = await tp.graph('GET', `${world.wabaId}/phone_numbers`, token);
      expectGraphError(res, { status: 403, code: 200, subcode: null, type: 'OAuthException', message: '(#200) Requires whatsapp_business_management permission to manage the object' });
      const reg = await tp.graph('POST', `${numberId}/register`, token, { messaging_product: 'whatsapp', pin: '123456' });
      expectGraphError(reg, { status: 403, code: 200, message: '(#200) Requires whatsapp_business_management permission to manage the object' });
    });

    it('answers code 200 with HTTP 403 when whatsapp_business_messaging is missing', async () => {
      const token = await createToken(tp, { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_management'] });
      expect((await tp.graph('GET', `${world.wabaId}/phone_numbers`, token)).status).toBe(200);
      const res = await tp.graph('POST', `${numberId}/messages`, token, { messaging_product: 'whatsapp', to: '16505551234', text: { body: 'hi' } });
      expectGraphError(res, { status: 403, code: 200, message: '(#200) Requires whatsapp_business_messaging permission to manage the object' });
    });

    it('answers 403 for a token with no permissions at all', async () => {
      const token = await createToken(tp, { business_ids: [world.partnerId], permissions: [] });
      expectGraphError(await tp.graph('GET', world.wabaId, token), { status: 403, code: 200 });
    });
  });

  describe('where the token comes from', () => {
    it('accepts access_token as a query parameter', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}/phone_numbers?access_token=${encodeURIComponent(world.token)}`);
      expect(res.status).toBe(200);
      expect((res.body as { data: { id: string }[] }).data.map((n) => n.id)).toContain(numberId);
    });

    it('accepts access_token in a form body', async () => {
      const res = await graphForm(tp, 'POST', `${numberId}`, { access_token: world.token, pin: '123456' });
      expectSuccess(res);
    });

    it('accepts access_token in a JSON body and does not treat it as a parameter', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${world.wabaId}/subscribed_apps`, { body: { access_token: world.token } });
      expectSuccess(res);
    });

    it('prefers the Authorization header over the access_token parameter', async () => {
      const good = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}?access_token=EAASwrong`, { token: world.token });
      expect(good.status).toBe(200);
      const bad = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}?access_token=${encodeURIComponent(world.token)}`, { token: 'EAASwrong' });
      expectGraphError(bad, { status: 401, code: 190 });
    });
  });

  describe('paths', () => {
    it('serves unversioned paths (/{id}/phone_numbers) like the default version', async () => {
      const unversioned = await tp.request<{ data: { id: string }[] }>('GET', `/${world.wabaId}/phone_numbers`, { token: world.token });
      const versioned = await tp.graph<{ data: { id: string }[] }>('GET', `${world.wabaId}/phone_numbers`, world.token);
      expect(unversioned.status).toBe(200);
      expect(unversioned.body.data.map((n) => n.id)).toEqual(versioned.body.data.map((n) => n.id));
    });

    it('serves an unversioned node (/{id})', async () => {
      const res = await tp.request('GET', `/${numberId}?fields=id`, { token: world.token });
      expect(res).toMatchObject({ status: 200, body: { id: numberId } });
    });

    it('accepts other versions such as v19.0', async () => {
      const res = await tp.request('GET', `/v19.0/${world.wabaId}?fields=id`, { token: world.token });
      expect(res).toMatchObject({ status: 200, body: { id: world.wabaId } });
    });

    it('tolerates a trailing slash', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}/phone_numbers/`, { token: world.token });
      expect(res.status).toBe(200);
    });

    it('answers 100/33 for an unknown node id (GET and POST)', async () => {
      expectUnsupportedRequest(await tp.graph('GET', '123456789012345', world.token), 'GET', '123456789012345');
      expectUnsupportedRequest(await tp.graph('POST', '123456789012345/register', world.token, { messaging_product: 'whatsapp', pin: '123456' }), 'POST', '123456789012345');
      expectUnsupportedRequest(await tp.graph('DELETE', '123456789012345', world.token), 'DELETE', '123456789012345');
    });

    it('answers 100/33 for a non-numeric node id', async () => {
      expectUnsupportedRequest(await tp.graph('GET', 'me', world.token), 'GET', 'me');
    });

    it('answers 100/33 for an existing node without the requested method', async () => {
      expectUnsupportedRequest(await tp.graph('DELETE', numberId, world.token), 'DELETE', numberId);
    });

    it('answers 2500 "Unknown path components" for an unknown edge', async () => {
      const res = await tp.graph('GET', `${world.wabaId}/no_such_edge`, world.token);
      expectGraphError(res, { status: 400, code: 2500, subcode: null, type: 'OAuthException', message: 'Unknown path components: /no_such_edge' });
      const onNumber = await tp.graph('POST', `${numberId}/frobnicate`, world.token, {});
      expectGraphError(onNumber, { status: 400, code: 2500, message: 'Unknown path components: /frobnicate' });
    });

    it('answers 2500 for an edge that exists on another node type', async () => {
      const res = await tp.graph('GET', `${numberId}/phone_numbers`, world.token);
      expectGraphError(res, { status: 400, code: 2500, message: 'Unknown path components: /phone_numbers' });
    });

    it('answers 2500 for a three-segment path without a version', async () => {
      const res = await tp.request('GET', `/${world.wabaId}/phone_numbers/extra`, { token: world.token });
      expectGraphError(res, { status: 400, code: 2500 });
    });

    it('answers with the envelope for a version alone', async () => {
      const res = await tp.request('GET', `/${GRAPH_VERSION}`, { token: world.token });
      expectGraphError(res, { status: 400, code: 2500 });
    });

    it('answers with the envelope (not a 404 page) for deeper paths and other methods', async () => {
      const deep = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}/phone_numbers/a/b`, { token: world.token });
      expectGraphError(deep, { status: 400, code: 100, type: 'GraphMethodException' });
      const put = await tp.request('PUT', `/${GRAPH_VERSION}/${world.wabaId}`, { token: world.token, body: {} });
      expectGraphError(put, { status: 400, code: 100, type: 'GraphMethodException' });
    });
  });

  describe('request bodies', () => {
    it('answers 100 with HTTP 400 for malformed JSON, not 500', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, {
        token: world.token,
        body: '{"messaging_product": "whatsapp", "pin": ',
        headers: { 'content-type': 'application/json' },
      });
      expectGraphError(res, { status: 400, code: 100, type: 'OAuthException', message: '(#100) Invalid parameter', details: /not valid JSON/ });
    });

    it('answers 100 for JSON that is not an object', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { token: world.token, body: '"just a string"', headers: { 'content-type': 'application/json' } });
      expectGraphError(res, { status: 400, code: 100 });
      const arr = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { token: world.token, body: '[1,2,3]', headers: { 'content-type': 'application/json' } });
      expectGraphError(arr, { status: 400, code: 100 });
    });

    it('answers HTTP 413 with the Graph envelope for a body over 5 MiB', async () => {
      const big = JSON.stringify({ messaging_product: 'whatsapp', pin: '123456', padding: 'x'.repeat(5 * 1024 * 1024) });
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { token: world.token, body: big, headers: { 'content-type': 'application/json' } });
      expectGraphError(res, { status: 413, code: 100, type: 'OAuthException', details: /larger than 5242880 bytes/ });
    });

    it('answers HTTP 413 for an oversized form body too', async () => {
      const big = `pin=123456&padding=${'x'.repeat(5 * 1024 * 1024 + 10)}`;
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}`, { token: world.token, body: big, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expectGraphError(res, { status: 413, code: 100 });
    });

    it('accepts a body just under the limit', async () => {
      const body = JSON.stringify({ access_token: world.token, padding: 'x'.repeat(4 * 1024 * 1024) });
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${world.wabaId}/subscribed_apps`, { body, headers: { 'content-type': 'application/json' } });
      expectSuccess(res);
    });

    it('answers 100 with HTTP 400 for an unsupported content type', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, {
        token: world.token,
        body: 'messaging_product=whatsapp&pin=123456',
        headers: { 'content-type': 'text/plain' },
      });
      expectGraphError(res, { status: 400, code: 100, type: 'OAuthException', details: /Content-Type/ });
      const xml = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { token: world.token, body: '<pin>123456</pin>', headers: { 'content-type': 'application/xml' } });
      expectGraphError(xml, { status: 400, code: 100 });
    });

    it('accepts form-urlencoded bodies', async () => {
      const res = await graphForm(tp, 'POST', `${numberId}/register`, { messaging_product: 'whatsapp', pin: '123456' }, world.token);
      expectSuccess(res);
      const bad = await graphForm(tp, 'POST', `${numberId}/register`, { messaging_product: 'whatsapp', pin: '12' }, world.token);
      expectGraphError(bad, { status: 400, code: 100, message: '(#100) Invalid parameter' });
    });

    it('accepts an empty JSON body', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${world.wabaId}/subscribed_apps`, { token: world.token, body: '', headers: { 'content-type': 'application/json' } });
      expectSuccess(res);
      const ws = await tp.request('POST', `/${GRAPH_VERSION}/${world.wabaId}/subscribed_apps`, { token: world.token, body: '  \n', headers: { 'content-type': 'application/json' } });
      expectSuccess(ws);
    });

    it('accepts a POST with no body and no content type', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${world.wabaId}/subscribed_apps`, { token: world.token });
      expectSuccess(res);
    });

    it('reports a missing parameter, not a crash, for an empty JSON body on an edge that needs one', async () => {
      const res = await tp.request('POST', `/${GRAPH_VERSION}/${numberId}/register`, { token: world.token, body: '', headers: { 'content-type': 'application/json' } });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
    });

    it('gives every error a fresh fbtrace_id', async () => {
      const a = expectGraphError(await tp.graph('GET', 'me', world.token), { status: 400, code: 100 });
      const b = expectGraphError(await tp.graph('GET', 'me', world.token), { status: 400, code: 100 });
      expect(a.fbtrace_id).not.toBe(b.fbtrace_id);
    });
  });
});
