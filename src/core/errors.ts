/**
 * The one catalogue of errors the platform can return. Domain and service code create these values;
 * the wire renderers in `src/platform/graph/render-error.ts` (Graph envelope) and, later, the On-Prem
 * renderer turn them into bytes. Codes, types and HTTP statuses follow ../shared/reference/api-facts.md
 * (A.2–A.4). Where the reference marks a fact UNCONFIRMED the choice is written next to the entry.
 */

export type GraphErrorType = 'OAuthException' | 'GraphMethodException';

export interface GraphErrorSpec {
  readonly httpStatus: number;
  readonly type: GraphErrorType;
  readonly code: number;
  readonly subcode?: number;
  /** Full `message` value, e.g. "(#133005) Two step verification PIN Mismatch". */
  readonly message: string;
  readonly userTitle?: string;
  readonly userMessage?: string;
}

/** The On-Premises API's shape of the same error: `{errors:[{code,title,details}]}` (api-facts D.2). */
export interface OnPremErrorSpec {
  readonly httpStatus: number;
  readonly code: number;
  readonly title: string;
}

/**
 * An error as a typed value. `details` ends up in `error_data.details` (Graph) or `details` (On-Prem).
 * Errors that both APIs can raise carry both shapes; the On-Prem renderer falls back to a generic
 * mapping for Graph-only errors.
 */
export class ApiError extends Error {
  constructor(
    readonly spec: GraphErrorSpec,
    readonly details?: string,
    readonly onprem?: OnPremErrorSpec,
  ) {
    super(spec.message);
    this.name = 'ApiError';
  }
}

const waCode = (
  httpStatus: number,
  code: number,
  title: string,
  details?: string,
  extra: Partial<GraphErrorSpec> = {},
): ApiError => new ApiError({ httpStatus, type: 'OAuthException', code, message: `(#${code}) ${title}`, ...extra }, details);

const GRAPH_DOCS = 'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api';

export const errors = {
  // --- Graph-level -------------------------------------------------------------------------
  unsupportedRequest: (method: string, id: string): ApiError =>
    new ApiError({
      httpStatus: 400,
      type: 'GraphMethodException',
      code: 100,
      subcode: 33,
      message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. ${GRAPH_DOCS}`,
    }),
  unknownPath: (path: string): ApiError =>
    new ApiError({ httpStatus: 400, type: 'OAuthException', code: 2500, message: `Unknown path components: ${path}` }),
  /** 104: HTTP status UNCONFIRMED in the reference; Graph answers 400 for most OAuth errors, so 400. */
  missingToken: (): ApiError =>
    new ApiError({ httpStatus: 400, type: 'OAuthException', code: 104, message: 'An access token is required to request this resource.' }),
  malformedToken: (): ApiError =>
    new ApiError({ httpStatus: 401, type: 'OAuthException', code: 190, message: 'Invalid OAuth access token - Cannot parse access token' }),
  expiredToken: (expiredAt: Date, now: Date): ApiError =>
    new ApiError({
      httpStatus: 401,
      type: 'OAuthException',
      code: 190,
      subcode: 463,
      message: `Error validating access token: Session has expired on ${graphDate(expiredAt)}. The current time is ${graphDate(now)}.`,
    }),
  /** A token without the permission an edge needs (200-299 range is "API Permission", HTTP 403). */
  missingPermission: (permission: string): ApiError =>
    new ApiError({ httpStatus: 403, type: 'OAuthException', code: 200, message: `(#200) Requires ${permission} permission to manage the object` }),
  nonexistingField: (field: string, nodeType: string): ApiError =>
    new ApiError({ httpStatus: 400, type: 'OAuthException', code: 100, message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})` }),
  requiredParameter: (name: string): ApiError => waCode(400, 100, `The parameter ${name} is required.`),
  invalidParameter: (details: string): ApiError => waCode(400, 100, 'Invalid parameter', details),
  malformedBody: (details: string): ApiError => waCode(400, 100, 'Invalid parameter', details),
  /** HTTP 413 is what the transport really means; the body keeps Graph's shape (choice, issue 2). */
  bodyTooLarge: (limitBytes: number): ApiError =>
    new ApiError({ httpStatus: 413, type: 'OAuthException', code: 100, message: '(#100) Invalid parameter' }, `Request body larger than ${limitBytes} bytes`),
  tooManyCalls: (): ApiError => waCode(400, 4, 'Application request limit reached'),
  wabaRateLimit: (): ApiError => waCode(400, 80007, 'Rate limit issues', 'The WhatsApp Business Account has reached its rate limit.'),
  /** The callback URL handshake failed (App Dashboard "Verify and save", subscription overrides). */
  callbackVerificationFailed: (details: string): ApiError =>
    new ApiError({ httpStatus: 400, type: 'OAuthException', code: 2200, message: `(#2200) Callback verification failed with the following errors: ${details}` }),
  /** Control API only: the platform was started with a control token and the call did not carry it. */
  controlTokenRequired: (): ApiError =>
    new ApiError(
      { httpStatus: 401, type: 'OAuthException', code: 190, message: 'Invalid OAuth access token - the control API needs its token' },
      'Send the control token as Authorization: Bearer <token> or X-Switchboard-Token.',
    ),
  /** Control API only: an emulator resource that does not exist. */
  notFound: (what: string, id: string): ApiError =>
    new ApiError({ httpStatus: 404, type: 'GraphMethodException', code: 100, message: `(#100) Unknown ${what}: ${id}` }),
  internal: (): ApiError =>
    new ApiError({ httpStatus: 500, type: 'OAuthException', code: 1, message: 'An unknown error has occurred.' }),

  // --- WhatsApp messaging --------------------------------------------------------------------
  accountNotRegistered: (): ApiError => waCode(400, 133010, 'Account not registered', 'The account is not registered'),
  parameterMissing: (details: string): ApiError => waCode(400, 131008, 'Required parameter is missing', details),
  parameterValueInvalid: (details: string): ApiError => waCode(400, 131009, 'Parameter value is not valid', details),
  recipientIsSender: (): ApiError => waCode(400, 131021, 'Recipient cannot be sender', 'Sender and recipient phone number is the same.'),
  unsupportedMessageType: (details: string): ApiError => waCode(400, 131051, 'Unsupported message type', details),
  mediaUploadError: (details: string): ApiError => waCode(400, 131053, 'Media upload error', details),
  templateParamCountMismatch: (details: string): ApiError => waCode(400, 132000, 'Number of parameters does not match the expected number of params', details),
  templateParamFormatMismatch: (details: string): ApiError => waCode(400, 132012, 'Parameter format does not match format in the created template', details),
  templateDoesNotExist: (name: string, language: string): ApiError =>
    waCode(404, 132001, 'Template name does not exist in the translation', `template name (${name}) does not exist in ${language}`),
  templatePaused: (name: string): ApiError => waCode(400, 132015, 'Template is Paused', `Template ${name} is paused due to low quality.`),
  templateDisabled: (name: string): ApiError => waCode(400, 132016, 'Template is Disabled', `Template ${name} has been disabled.`),

  // --- Registration and two-step verification -------------------------------------------------
  accountLocked: (details: string): ApiError => waCode(403, 131031, 'Business Account locked', details),
  pinMismatch: (): ApiError =>
    withOnPrem(waCode(400, 133005, 'Two step verification PIN Mismatch', 'The PIN you provided does not match the two-step verification PIN set for this number.'), 403, 1005, 'Access denied'),
  reverificationNeeded: (details: string): ApiError => waCode(400, 133006, 'Phone number re-verification needed', details),
  tooManyPinGuesses: (waitSeconds: number): ApiError =>
    withOnPrem(waCode(400, 133008, 'Too many two step verification PIN guesses for this phone number', `Try again after ${formatWait(waitSeconds)}.`), 429, 1015, 'Too many requests'),
  pinGuessedTooFast: (waitSeconds: number): ApiError =>
    withOnPrem(waCode(400, 133009, 'Two step verification PIN was entered too quickly', `Try again after ${formatWait(waitSeconds)}.`), 429, 1015, 'Too many requests'),
  registerRateLimited: (): ApiError =>
    waCode(400, 133016, 'Account register deregister rate limit exceeded', 'Too many register or deregister requests for this phone number in the last 72 hours. Try again later.'),
  /** Terms of Service not accepted. The seeds only say "registration calls will fail"; code 200 (permission) chosen. */
  termsNotAccepted: (): ApiError =>
    new ApiError(
      { httpStatus: 403, type: 'OAuthException', code: 200, message: '(#200) The WhatsApp Business Platform Terms of Service have not been accepted' },
      'Accept the WhatsApp Business Platform Terms of Service in WhatsApp Manager, then register again.',
    ),
  requestCodeError: (details: string): ApiError => waCode(400, 136024, 'Request code error', details),
  verifyCodeError: (details: string): ApiError => waCode(400, 136025, 'Verify code error', details),

  // --- Business Management --------------------------------------------------------------------
  templateLimitExceeded: (limit: number): ApiError =>
    waCode(400, 100, 'Invalid parameter', `Message template limit exceeded: this WhatsApp Business Account can have at most ${limit} message templates.`, {
      subcode: 2388019,
      userTitle: 'Message Template Limit Exceeded',
      userMessage: `You have reached the limit of ${limit} message templates for this account.`,
    }),
  templateAlreadyExists: (name: string, language: string): ApiError =>
    waCode(400, 100, 'Invalid parameter', `A message template named ${name} already exists in ${language}.`, {
      subcode: 2388024,
      userTitle: 'Content in This Language Already Exists',
      userMessage: `There is already ${language} content for this template. You can create a new template and try again.`,
    }),
  phoneNumberAlreadyExists: (): ApiError =>
    waCode(400, 100, 'Invalid parameter', 'This phone number already exists in your list of phone numbers.', {
      subcode: 2388012,
      userTitle: 'Phone Number Already Exists',
      userMessage: 'This phone number already exists in your list of phone numbers.',
    }),
  // --- WABA-to-WABA migration (seed 004; api-facts A.4). Meta returns these as code 100 with an
  // `error_subcode`; the top-level code is UNCONFIRMED in the reference, 100 chosen. -------------------
  migrationTwoStepEnabled: (): ApiError =>
    migrationError(2388001, 'Two-Step Verification Is On', 'Please ensure two-step authentication is disabled for this phone number before migrating it. The owner of the source WhatsApp Business Account must disable it.'),
  migrationNotEligible: (userTitle: string, userMessage: string): ApiError => migrationError(2388103, userTitle, userMessage),
  /** request_code / verify_code from a caller whose access comes from a migration that is not pending any more. */
  notBeingMigrated: (subcode: 2388091 | 2388093): ApiError =>
    migrationError(
      subcode,
      'Phone Number Not Being Migrated',
      `This phone number is not eligible to ${subcode === 2388091 ? 'receive' : 'verify'} a registration code because it is not being migrated to your WhatsApp Business Account. Request the migration again with migrate_phone_number=true.`,
    ),
  /** A backup blob that does not decrypt (wrong password, or tampered with): GCM cannot tell which. */
  backupUndecryptable: (): ApiError =>
    withOnPrem(waCode(400, 100, 'Invalid parameter', 'Param backup.data could not be decrypted with backup.password: wrong password, or the data was modified.'), 400, 1009, 'Parameter value is not valid'),
  /** A backup made before the number's latest registration: already used, or superseded. */
  backupOutdated: (): ApiError =>
    withOnPrem(
      waCode(400, 100, 'Invalid parameter', 'Param backup.data is out of date: the phone number has been registered since this backup was made (a backup can be used once). Make a new backup.'),
      400,
      1009,
      'Parameter value is not valid',
    ),
  backupForAnotherNumber: (): ApiError => waCode(400, 100, 'Invalid parameter', 'Param backup.data describes a different phone number.'),
} as const;

/**
 * Errors only the On-Premises API raises (api-facts D.2; HTTP statuses there are UNCONFIRMED, we use
 * the PHPERR table). The Graph spec attached is what the same failure would look like on Graph.
 */
export const onpremErrors = {
  unauthorized: (details: string): ApiError => onPremOnly(401, 1005, 'Access denied', details),
  passwordChangeRequired: (): ApiError => onPremOnly(401, 1024, 'Password change required', 'Change the default admin password: log in with {"new_password": "..."}.'),
  notFound: (details: string): ApiError => onPremOnly(404, 1006, 'Resource not found', details),
  requiredParameter: (name: string): ApiError => onPremOnly(400, 1008, 'Required parameter is missing', `Parameter '${name}' is required`),
  invalidParameter: (details: string): ApiError => onPremOnly(400, 1009, 'Parameter value is not valid', details),
  serviceNotReady: (details: string): ApiError => onPremOnly(500, 1011, 'Service not ready', details),
  accessDenied: (details: string): ApiError => onPremOnly(403, 1005, 'Access denied', details),
  alreadyExists: (details: string): ApiError => onPremOnly(409, 1004, 'Resource already exists', details),
  invalidRequest: (details: string): ApiError => onPremOnly(400, 1025, 'Invalid request', details),
} as const;

function migrationError(subcode: number, userTitle: string, userMessage: string): ApiError {
  return waCode(400, 100, 'Invalid parameter', userMessage, { subcode, userTitle, userMessage });
}

function onPremOnly(httpStatus: number, code: number, title: string, details: string): ApiError {
  return new ApiError({ httpStatus, type: 'OAuthException', code: 100, message: '(#100) Invalid parameter' }, details, { httpStatus, code, title });
}

function withOnPrem(err: ApiError, httpStatus: number, code: number, title: string): ApiError {
  return new ApiError(err.spec, err.details, { httpStatus, code, title });
}

export type ErrorName = keyof typeof errors;

function formatWait(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes >= 2 ? `${minutes} minutes` : `${Math.max(1, Math.ceil(seconds))} seconds`;
}

/** Graph's token-expiry wording: "Monday, 01-Jan-24 10:00:00 PST"; we print UTC. */
function graphDate(d: Date): string {
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}
