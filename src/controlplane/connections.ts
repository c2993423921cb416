import { GraphClient, type PhoneNumberFields } from './clients/graph-client.js';
import { joinUrl } from './clients/http.js';
import { OnPremClient } from './clients/onprem-client.js';
import { RehearsalClient } from './clients/rehearsal-client.js';
import { cannot } from './errors.js';
import { otpSource, type OtpSource } from './otp/otp-source.js';
import type { NumberEntry, Plan } from './plan/schema.js';
import { numberSecrets, type Env, type NumberSecrets } from './plan/secrets.js';
import { Memo } from './util/memo.js';

/**
 * Every remote endpoint a plan names, built once from the plan and the environment. Clients are shared
 * so an On-Prem deployment is logged into once, however many steps use it.
 */
export class Connections {
  readonly rehearsal: RehearsalClient | undefined;
  readonly otp: OtpSource;
  /** Calls whose effect belongs to a WABA, not a number (subscribing the app): made once per run. */
  readonly perWaba = new Memo();
  /** Reads of a number's fields, by number: pre-flight's read serves the job's snapshot while fresh. */
  readonly numberReads = new Memo();
  private readonly graphs = new Map<string, GraphClient>();
  private readonly deployments = new Map<string, OnPremClient>();
  private readonly entries: ReadonlyMap<string, NumberEntry>;

  constructor(
    readonly plan: Plan,
    readonly env: Env,
  ) {
    const rehearsal = plan.rehearsal;
    // An unset token variable is a pre-flight error; calls made anyway are refused by the platform (190).
    const controlToken = rehearsal?.control_token_env === undefined ? undefined : env[rehearsal.control_token_env] || undefined;
    this.rehearsal = rehearsal ? new RehearsalClient(rehearsal.control_url ?? joinUrl(plan.graph.base_url, '_switchboard'), plan.request_timeout_ms, controlToken) : undefined;
    this.otp = otpSource(plan.otp, { env, rehearsal: this.rehearsal });
    this.entries = new Map(plan.numbers.map((n) => [n.phone_number_id, n]));
  }

  /** The plan's entry for a number (plans hold thousands: a map, not a scan). */
  entry(phoneNumberId: string): NumberEntry | undefined {
    return this.entries.get(phoneNumberId);
  }

  secrets(entry: NumberEntry): NumberSecrets {
    return numberSecrets(this.plan, entry, this.env);
  }

  /** Graph as the number's current owner sees it. */
  sourceGraph(entry: NumberEntry): GraphClient {
    return this.graph(this.secrets(entry).sourceToken, 'graph.token_env');
  }

  /** Graph as the owner of the destination sees it (differs only for waba_to_waba). */
  destinationGraph(entry: NumberEntry): GraphClient {
    return this.graph(this.secrets(entry).destinationToken, entry.kind === 'waba_to_waba' ? (entry.destination_token_env ?? 'graph.token_env') : 'graph.token_env');
  }

  deployment(name: string): OnPremClient {
    let client = this.deployments.get(name);
    if (!client) {
      const ref = this.plan.deployments[name];
      if (!ref) throw cannot(`unknown deployment "${name}"`);
      const password = this.env[ref.password_env];
      if (!password) throw cannot(`environment variable ${ref.password_env} (password of deployment "${name}") is not set`);
      client = new OnPremClient(ref.url, ref.username, password, this.plan.request_timeout_ms);
      this.deployments.set(name, client);
    }
    return client;
  }

  private graph(token: string | undefined, envName: string): GraphClient {
    if (!token) throw cannot(`no Graph token: ${envName} is not set`);
    let client = this.graphs.get(token);
    if (!client) {
      client = new GraphClient(this.plan.graph.base_url, this.plan.graph.version, token, this.plan.request_timeout_ms);
      this.graphs.set(token, client);
    }
    return client;
  }
}

/**
 * All of a number's fields through its owner's token, shared through `numberReads`: pre-flight reads
 * (and keeps) it; the job's snapshot takes that read while it is younger than `maxAgeMs` instead of
 * asking again.
 */
export function readNumber(conn: Connections, entry: NumberEntry, graph: GraphClient = conn.sourceGraph(entry), maxAgeMs = 0): Promise<PhoneNumberFields> {
  return conn.numberReads.get(graph, entry.phone_number_id, () => graph.getNumber(entry.phone_number_id), maxAgeMs);
}
