import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { RehearsalClient } from '../clients/rehearsal-client.js';
import { cannot, notYet } from '../errors.js';
import type { OtpConfig } from '../plan/schema.js';
import type { Env } from '../plan/secrets.js';

/**
 * Where a verification code comes from once WhatsApp has sent it by SMS or voice to the number's owner.
 * `code` throws a transient "not yet" while the code is not available, so the step retries with backoff.
 */
export interface OtpSource {
  code(phoneNumberId: string): Promise<string>;
}

export function otpSource(config: OtpConfig | undefined, deps: { env: Env; rehearsal: RehearsalClient | undefined }): OtpSource {
  switch (config?.source) {
    case undefined:
      return { code: () => Promise.reject(cannot('no otp source is configured in the plan', 'add an `otp` section')) };
    case 'rehearsal_inbox': {
      const rehearsal = deps.rehearsal;
      if (!rehearsal) throw new Error('otp.source rehearsal_inbox needs the plan\'s rehearsal section');
      return { code: (id) => inboxCode(rehearsal, id) };
    }
    case 'env':
      return { code: async (id) => validCode(deps.env[`${config.prefix}${id}`], `environment variable ${config.prefix}${id}`) };
    case 'file':
      return { code: async (id) => validCode((await readCodeFile(config.path))[id], `${config.path} key "${id}"`) };
    case 'prompt':
      return promptSource();
  }
}

async function inboxCode(rehearsal: RehearsalClient, phoneNumberId: string): Promise<string> {
  const fresh = (await rehearsal.codes(phoneNumberId)).find((c) => c.consumed_at === null);
  if (!fresh) throw notYet(`no unused code in the rehearsal inbox for ${phoneNumberId} yet`);
  return fresh.code;
}

function validCode(value: string | undefined, where: string): string {
  const code = value?.replace(/[\s-]/g, '');
  if (!code) throw notYet(`waiting for the verification code in ${where}`);
  if (!/^\d{6}$/.test(code)) throw cannot(`${where} does not hold a 6-digit code`);
  return code;
}

async function readCodeFile(path: string): Promise<Record<string, string | undefined>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, string | undefined>;
  } catch {
    return {};
  }
}

/** One question at a time: concurrent jobs must not interleave their prompts. */
function promptSource(): OtpSource {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    code(id) {
      const next = queue.then(async () => {
        if (!process.stdin.isTTY) throw cannot('otp.source prompt needs an interactive terminal', 'use otp.source env or file');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return validCode(await rl.question(`Verification code sent to number ${id}: `), 'the prompt');
        } finally {
          rl.close();
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
