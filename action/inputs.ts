import * as core from "@actions/core";
import { z } from "zod";

/** Raised for anything the workflow author has to fix; the message says what. */
export class ActionInputError extends Error {
  override name = "ActionInputError";
}

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .transform((value) => (value === "" ? undefined : value));

const positiveInt = (name: string) =>
  optionalText.pipe(
    z.string().regex(/^\d+$/, `${name} expects a whole number such as 2`).transform(Number).optional(),
  );

const shardSchema = z
  .string()
  .trim()
  .transform((value) => value || "1/1")
  .pipe(
    z
      .string()
      .regex(/^\d+\/\d+$/, "shard expects i/n, such as 1/3")
      .transform((value) => {
        const [index, total] = value.split("/").map(Number) as [number, number];
        return { index, total };
      })
      .refine((s) => s.total >= 1 && s.index >= 1 && s.index <= s.total, {
        message: "shard expects i/n with 1 ≤ i ≤ n, such as 1/3",
      }),
  );

/** Every input of action.yml; the defaults here repeat the ones there (the runner applies those). */
export const actionInputsSchema = z.object({
  "base-url": optionalText.pipe(
    z
      .string()
      .regex(/^https?:\/\/[^/]/, "base-url expects an http(s) URL such as http://localhost:3000")
      .optional(),
  ),
  flows: z
    .string()
    .trim()
    .transform((value) => value || "affected")
    .transform((value): { kind: "affected" } | { kind: "all" } | { kind: "named"; names: string[] } => {
      if (value === "affected" || value === "all") return { kind: value };
      return {
        kind: "named",
        names: value
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean),
      };
    }),
  config: z
    .string()
    .trim()
    .transform((value) => value || "."),
  workers: positiveInt("workers"),
  shard: shardSchema,
  retries: positiveInt("retries"),
  "update-baselines": z
    .string()
    .trim()
    .transform((value) => value || "auto")
    .pipe(z.enum(["auto", "true", "false"], { message: "update-baselines expects auto, true or false" })),
  "fail-on": z
    .string()
    .trim()
    .transform((value) => value || "failures")
    .pipe(z.enum(["failures", "visual", "never"], { message: "fail-on expects failures, visual or never" })),
  "browser-path": optionalText,
  "github-token": optionalText,
  "supabase-url": optionalText.pipe(
    z
      .string()
      .regex(/^https:\/\/[^/]/, "supabase-url expects https://<project>.supabase.co")
      .optional(),
  ),
  "supabase-key": optionalText,
  "ingest-url": optionalText.pipe(
    z
      .string()
      .regex(
        /^(https:\/\/[^/]|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/)/,
        "ingest-url expects the App's https:// ingest URL, such as https://perceo.example.com/api/perceo/runs",
      )
      .optional(),
  ),
  "anthropic-api-key": optionalText,
});

export type ActionInputs = z.infer<typeof actionInputsSchema>;

/** Reads and validates the inputs once, at the edge; secrets are masked before anything is logged. */
export function readInputs(): ActionInputs {
  const raw = Object.fromEntries(
    Object.keys(actionInputsSchema.shape).map((name) => [name, core.getInput(name)]),
  );
  for (const secret of ["github-token", "supabase-key", "anthropic-api-key"]) {
    const value = raw[secret];
    if (value) core.setSecret(value);
  }
  const parsed = actionInputsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ActionInputError(`invalid inputs — ${problems.join("; ")}`);
  }
  const inputs = parsed.data;
  if (Boolean(inputs["supabase-url"]) !== Boolean(inputs["supabase-key"])) {
    throw new ActionInputError(
      "supabase-url and supabase-key go together: set both (Supabase dashboard → Project Settings → API), or neither",
    );
  }
  if (inputs.flows.kind === "named" && inputs.flows.names.length === 0) {
    throw new ActionInputError("flows expects affected, all, or flow names such as checkout,login");
  }
  return inputs;
}
