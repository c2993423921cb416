import { describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/result.js';
import { baseMime, checkUpload, MEDIA_LIMITS, MEDIA_TTL_MS, MEDIA_URL_TTL_MS, signMediaUrl } from './domain.js';

const KB = 1024;
const MB = 1024 * KB;

describe('media limits', () => {
  it('follow Meta\'s table: image 5 MB, sticker 500 KB, audio and video 16 MB, documents 100 MB', () => {
    expect(MEDIA_LIMITS['image/jpeg']).toBe(5 * MB);
    expect(MEDIA_LIMITS['image/png']).toBe(5 * MB);
    expect(MEDIA_LIMITS['image/webp']).toBe(500 * KB);
    for (const mime of ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg', 'video/mp4', 'video/3gpp']) expect(MEDIA_LIMITS[mime], mime).toBe(16 * MB);
    for (const mime of ['text/plain', 'application/pdf', 'application/msword', 'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.presentationml.presentation']) {
      expect(MEDIA_LIMITS[mime], mime).toBe(100 * MB);
    }
    expect(MEDIA_LIMITS['image/gif']).toBeUndefined();
  });

  it('uploads live 30 days, download URLs 5 minutes', () => {
    expect(MEDIA_TTL_MS).toBe(30 * 24 * 60 * 60 * 1000);
    expect(MEDIA_URL_TTL_MS).toBe(5 * 60 * 1000);
  });
});

describe('baseMime', () => {
  it('drops parameters and lower-cases', () => {
    expect(baseMime('audio/ogg; codecs=opus')).toBe('audio/ogg');
    expect(baseMime('IMAGE/JPEG')).toBe('image/jpeg');
    expect(baseMime(' image/png ')).toBe('image/png');
    expect(baseMime('')).toBe('');
  });
});

describe('checkUpload', () => {
  it('accepts every supported type up to its limit, keeping the MIME as given', () => {
    for (const [mime, limit] of Object.entries(MEDIA_LIMITS)) {
      const r = checkUpload(mime, limit);
      expect(r.ok, mime).toBe(true);
      if (r.ok) expect(r.value).toBe(mime);
    }
    const opus = checkUpload('audio/ogg; codecs=opus', 1000);
    expect(opus).toEqual({ ok: true, value: 'audio/ogg; codecs=opus' });
    expect(checkUpload('Image/PNG', 10).ok).toBe(true);
  });

  it('rejects one byte over the limit with 131053', () => {
    for (const [mime, limit] of Object.entries(MEDIA_LIMITS)) {
      const err = errorOf(checkUpload(mime, limit + 1));
      expect([err.spec.code, err.spec.httpStatus, err.spec.message], mime).toEqual([131053, 400, '(#131053) Media upload error']);
      expect(err.details).toContain(String(limit));
    }
  });

  it('rejects unsupported types with 131053, naming the type received', () => {
    for (const mime of ['image/gif', 'application/zip', 'video/quicktime', 'application/octet-stream', '']) {
      const err = errorOf(checkUpload(mime, 10));
      expect(err.spec.code).toBe(131053);
      expect(err.details).toContain(`'${mime}'`);
    }
  });

  it('rejects an empty file with 131053', () => {
    const err = errorOf(checkUpload('image/jpeg', 0));
    expect(err.spec.code).toBe(131053);
    expect(err.details).toMatch(/empty/);
  });

  it('checks the type before the size', () => {
    expect(errorOf(checkUpload('image/gif', 0)).details).toMatch(/image\/gif/);
  });
});

describe('signMediaUrl', () => {
  it('is a deterministic 32-hex-digit signature of secret, media id and expiry', () => {
    const sig = signMediaUrl('secret', '123', 1700000000);
    expect(sig).toMatch(/^[0-9a-f]{32}$/);
    expect(signMediaUrl('secret', '123', 1700000000)).toBe(sig);
    expect(signMediaUrl('other', '123', 1700000000)).not.toBe(sig);
    expect(signMediaUrl('secret', '124', 1700000000)).not.toBe(sig);
    expect(signMediaUrl('secret', '123', 1700000001)).not.toBe(sig);
  });
});
