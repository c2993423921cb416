import { DAY } from '../../core/clock.js';
import { errors } from '../../core/errors.js';
import { fail, ok, type Result } from '../../core/result.js';
import type { Consumer } from '../../store/schema.js';
import { webhookError, type Pricing, type StatusName, type WebhookError } from '../webhooks/cloud-format.js';

/** Customer service window: 24 h from the consumer's last message (seed 003). */
export const SERVICE_WINDOW_MS = 1 * DAY;

/** `to` accepts +, -, (), spaces; the wa_id is the digits. */
export function normalizeRecipient(to: string): Result<string> {
  const digits = to.replace(/[\s()+-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) return fail(errors.parameterValueInvalid(`Param to is not a valid phone number: ${to}`));
  return ok(digits);
}

export interface DeliveryFacts {
  readonly consumer: Consumer | undefined;
  readonly windowOpen: boolean;
  readonly isTemplate: boolean;
}

/** What happens to an accepted message, as the statuses its sender will see by webhook. */
export type DeliveryOutcome = { readonly statuses: readonly StatusName[]; readonly error: WebhookError | null };

/**
 * Cloud API accepts a message first and reports failures asynchronously: a free-form message outside
 * the service window fails with 131047, a number without WhatsApp with 131026.
 */
export function deliveryOutcome(f: DeliveryFacts): DeliveryOutcome {
  if (!f.consumer) {
    return { statuses: ['failed'], error: webhookError(131026, 'Message undeliverable', 'Unable to deliver message. The recipient is not a WhatsApp user or cannot receive this message.') };
  }
  if (!f.isTemplate && !f.windowOpen) {
    return {
      statuses: ['failed'],
      error: webhookError(131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.'),
    };
  }
  if (!f.consumer.online) return { statuses: ['sent'], error: null };
  return { statuses: f.consumer.auto_read ? ['sent', 'delivered', 'read'] : ['sent', 'delivered'], error: null };
}

/** Per-message pricing (PMP): templates are billable unless a utility template lands inside the window. */
export function pricingFor(templateCategory: string | null, windowOpen: boolean): Pricing {
  if (templateCategory === null || (templateCategory === 'UTILITY' && windowOpen)) {
    return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: templateCategory === null ? 'service' : 'utility' };
  }
  return { billable: true, pricing_model: 'PMP', type: 'regular', category: templateCategory.toLowerCase() };
}

