import type { ShopCopy } from "../copy.ts";
import { EMAIL_PATTERN } from "./checkout-form.ts";

export interface SignupValues {
  name: string;
  email: string;
  password: string;
}

export type SignupErrors = Partial<Record<keyof SignupValues, string>>;

export const MIN_PASSWORD_LENGTH = 8;

export function readSignupValues(form: URLSearchParams): SignupValues {
  return {
    name: (form.get("name") ?? "").trim(),
    email: (form.get("email") ?? "").trim(),
    password: form.get("password") ?? "",
  };
}

export function validateSignup(values: SignupValues, copy: ShopCopy): SignupErrors {
  const errors: SignupErrors = {};
  if (!values.name) errors.name = copy.errorRequired;
  if (!values.email) errors.email = copy.errorRequired;
  else if (!EMAIL_PATTERN.test(values.email)) errors.email = copy.errorEmail;
  if (values.password.length < MIN_PASSWORD_LENGTH) errors.password = copy.errorPassword;
  return errors;
}
