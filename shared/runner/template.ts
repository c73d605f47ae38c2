/**
 * Fills `{{persona.KEY}}`, `{{env.NAME}}` and `{{unique}}` in values a flow types. Values that came
 * from the environment are remembered as secrets so no report or error ever shows them.
 */
export interface TemplateContext {
  persona: Record<string, string | number>;
  env: NodeJS.ProcessEnv;
  unique: string;
  secrets: Set<string>;
}

export class TemplateError extends Error {
  readonly code = "PERCEO_TEMPLATE";
}

export function fillTemplate(text: string, context: TemplateContext): string {
  return text.replace(/\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g, (_match, expression: string) => {
    if (expression === "unique") return context.unique;
    const [scope, key, ...rest] = expression.split(".");
    if (scope === "persona" && key && rest.length === 0) {
      const value = context.persona[key];
      if (value === undefined) {
        throw new TemplateError(
          `{{persona.${key}}} is not defined: add ${key} under the persona's data in .perceo/personas.yml`,
        );
      }
      return String(value);
    }
    if (scope === "env" && key && rest.length === 0) {
      const value = context.env[key];
      if (value === undefined)
        throw new TemplateError(`{{env.${key}}} is not set: export ${key} before running Perceo`);
      if (value.length > 0) context.secrets.add(value);
      return value;
    }
    throw new TemplateError(
      `unknown placeholder {{${expression}}}: use {{persona.KEY}}, {{env.NAME}} or {{unique}}`,
    );
  });
}

export function redact(text: string, secrets: Set<string>): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join("***");
  return result;
}
