import type { App, Business, PhoneNumber, Waba } from '../../store/schema.js';
import { displayPhoneNumber, phoneHealth, platformType } from './domain.js';

/** A phone number with what its Graph fields are computed from. */
export interface PhoneView {
  readonly number: PhoneNumber;
  readonly waba: Waba;
  readonly business: Business;
  readonly app: App | undefined;
  readonly wabaOverrideUrl: string | null;
  /** The display-name certificate an On-Prem client registers with. */
  readonly certificate: () => string;
}

const flag = (v: number): boolean => v === 1;

/** Field renderers of the WhatsAppBusinessPhoneNumber node (api-facts B.1). */
export const phoneFields: Readonly<Record<string, (v: PhoneView) => unknown>> = {
  id: (v) => v.number.id,
  display_phone_number: (v) => displayPhoneNumber(v.number),
  verified_name: (v) => v.number.verified_name,
  quality_rating: (v) => v.number.quality_rating,
  code_verification_status: (v) => v.number.code_verification_status,
  name_status: (v) => v.number.name_status,
  new_name_status: (v) => v.number.new_name_status ?? undefined,
  new_display_name: (v) => v.number.new_verified_name ?? undefined,
  platform_type: (v) => platformType(v.number.api),
  throughput: (v) => ({ level: v.number.throughput_level }),
  status: (v) => v.number.status,
  messaging_limit_tier: (v) => v.number.messaging_limit_tier,
  whatsapp_business_manager_messaging_limit: (v) => v.number.messaging_limit_tier,
  account_mode: (v) => v.number.account_mode,
  is_official_business_account: (v) => flag(v.number.is_official_business_account),
  is_pin_enabled: (v) => flag(v.number.two_step_enabled),
  is_preverified_number: () => false,
  is_on_biz_app: (v) => flag(v.number.is_on_biz_app),
  search_visibility: () => 'VISIBLE',
  country_dial_code: (v) => v.number.cc,
  data_localization_region: (v) => v.number.data_localization_region ?? undefined,
  last_onboarded_time: (v) => (v.number.last_onboarded_at === null ? undefined : new Date(v.number.last_onboarded_at).toISOString().replace(/\.\d{3}Z$/, '+0000')),
  certificate: (v) => v.certificate(),
  health_status: (v) => phoneHealth(v.number, v.waba, v.business, v.app?.id ?? null),
  webhook_configuration: (v) => {
    const config: Record<string, string> = {};
    if (v.number.webhook_override_url) config['phone_number'] = v.number.webhook_override_url;
    if (v.wabaOverrideUrl) config['whatsapp_business_account'] = v.wabaOverrideUrl;
    if (v.app?.callback_url) config['application'] = v.app.callback_url;
    return config;
  },
};

/** Fields returned when no `fields=` is given (MD/pywa examples). */
export const phoneDefaultFields = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'webhook_configuration',
  'id',
] as const;
