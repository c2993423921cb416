import { errors, type ApiError } from '../../core/errors.js';
import { fail, ok, type Result } from '../../core/result.js';
import type { Template } from '../../store/schema.js';
import type { TemplateObject } from './schema.js';

/**
 * A template send checked against the stored template, as Cloud API does. On-Prem tolerated sends
 * that Cloud refuses (api-facts D.4: missing button indexes among them), so a migration rehearsal
 * must meet these refusals before production does.
 */

/** Positional `{{1}}` or named `{{name}}` placeholders in one template component's text, each once. */
export function placeholderNames(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/gi)].map((m) => m[1] ?? ''))];
}

interface StoredComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: unknown[];
}

/** What a send of one template must give, worked out once per cached template row. */
interface TemplateShape {
  /** HEADER format (TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION), or undefined without a header. */
  readonly headerFormat: string | undefined;
  readonly params: { readonly header: number; readonly body: number };
  /** Placeholder names of a NAMED template (header and body); undefined for POSITIONAL. */
  readonly names: ReadonlySet<string> | undefined;
  readonly buttons: number;
}

type SendComponent = NonNullable<TemplateObject['components']>[number];
type SendParameter = NonNullable<SendComponent['parameters']>[number];

/** Checks a template send against the stored template: exists, approved, not paused/disabled, components. */
export function checkTemplateSend(template: Template | undefined, request: TemplateObject): Result<Template> {
  if (!template || !['APPROVED', 'PAUSED', 'DISABLED'].includes(template.status)) {
    return fail(errors.templateDoesNotExist(request.name, request.language.code));
  }
  if (template.status === 'PAUSED') return fail(errors.templatePaused(template.name));
  if (template.status === 'DISABLED') return fail(errors.templateDisabled(template.name));
  const problem = componentsProblem(shapeOf(template), request.components ?? []);
  return problem ? fail(problem) : ok(template);
}

function componentsProblem(shape: TemplateShape, components: readonly SendComponent[]): ApiError | undefined {
  const seen = new Set<string>();
  for (const component of components) {
    const problem = buttonProblem(shape, component) ?? parametersProblem(shape, component);
    if (problem) return problem;
    const key = component.type === 'button' ? `button ${String(component.index)}` : component.type;
    if (seen.has(key)) return errors.parameterValueInvalid(`${key}: the component is given more than once`);
    seen.add(key);
  }
  for (const kind of ['header', 'body'] as const) {
    const expected = shape.params[kind];
    const given = components.find((c) => c.type === kind)?.parameters?.length ?? 0;
    if (expected !== given) {
      return errors.templateParamCountMismatch(`${kind}: number of localizable_params (${given}) does not match the expected number of params (${expected})`);
    }
  }
  return undefined;
}

/** A button component names the template's button it fills by a 0-based `index`. */
function buttonProblem(shape: TemplateShape, component: SendComponent): ApiError | undefined {
  if (component.type !== 'button') return undefined;
  if (component.index === undefined || component.index === '') return errors.parameterMissing('button: index is required');
  const index = String(component.index);
  if (!/^\d+$/.test(index) || Number(index) >= shape.buttons) {
    return errors.parameterValueInvalid(`button: index ${index} is not a button of the template (it has ${shape.buttons})`);
  }
  return undefined;
}

function parametersProblem(shape: TemplateShape, component: SendComponent): ApiError | undefined {
  for (const parameter of component.parameters ?? []) {
    const problem = parameterProblem(shape, component.type, parameter);
    if (problem) return problem;
  }
  return undefined;
}

function parameterProblem(shape: TemplateShape, kind: string, parameter: SendParameter): ApiError | undefined {
  const mediaHeader = kind === 'header' && shape.headerFormat !== undefined && shape.headerFormat !== 'TEXT';
  if (mediaHeader && parameter.type.toUpperCase() !== shape.headerFormat) {
    return errors.templateParamFormatMismatch(`header: Format mismatch, expected ${shape.headerFormat ?? ''}, received ${parameter.type.toUpperCase()}`);
  }
  if (parameter.type !== 'text') return undefined;
  const text = parameter['text'];
  if (typeof text !== 'string' || text.trim() === '') return errors.parameterMissing(`${kind}: Parameter of type text is missing text value`);
  if (shape.names && (kind === 'header' || kind === 'body')) {
    const name = parameter['parameter_name'];
    if (typeof name !== 'string' || !shape.names.has(name)) {
      return errors.parameterValueInvalid(`${kind}: parameter_name ${JSON.stringify(name ?? null)} is not a parameter of the template`);
    }
  }
  return undefined;
}

function shapeOf(template: Template): TemplateShape {
  let shape = shapeByRow.get(template);
  if (!shape) {
    const stored = JSON.parse(template.components) as StoredComponent[];
    const find = (type: string): StoredComponent | undefined => stored.find((c) => c.type.toUpperCase() === type);
    const header = find('HEADER');
    const headerFormat = header ? (header.format ?? 'TEXT').toUpperCase() : undefined;
    const headerNames = headerFormat === 'TEXT' ? placeholderNames(header?.text) : [];
    const bodyNames = placeholderNames(find('BODY')?.text);
    shape = {
      headerFormat,
      params: { header: headerFormat !== undefined && headerFormat !== 'TEXT' ? 1 : headerNames.length, body: bodyNames.length },
      names: template.parameter_format === 'NAMED' ? new Set([...headerNames, ...bodyNames]) : undefined,
      buttons: find('BUTTONS')?.buttons?.length ?? 0,
    };
    shapeByRow.set(template, shape);
  }
  return shape;
}

// Template rows come from a cache as the same frozen objects until the template changes (messages/repo.ts):
// their components are parsed once per row, not once per send.
const shapeByRow = new WeakMap<Template, TemplateShape>();
