import { type Html, html } from "../http/html.ts";

export interface FormFieldOptions {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "tel";
  value?: string;
  error?: string | undefined;
  hint?: string;
  autocomplete?: string;
  inputmode?: "numeric" | "email" | "text";
  placeholder?: string;
  required?: boolean;
  maxlength?: number;
}

/**
 * A labelled input with its hint and its error message right under it. The error element is always
 * there (empty when valid) so client-side validation fills the same place the server does.
 */
export function renderFormField(options: FormFieldOptions): Html {
  const id = `field-${options.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [options.hint ? hintId : "", errorId].filter(Boolean).join(" ");
  return html`<div class="field${options.error ? " field-invalid" : ""}">
  <label for="${id}">${options.label}</label>
  ${options.hint ? html`<p class="field-hint" id="${hintId}">${options.hint}</p>` : ""}
  <input id="${id}" name="${options.name}" type="${options.type ?? "text"}" value="${options.value ?? ""}"
    ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ""}
    ${options.inputmode ? html`inputmode="${options.inputmode}"` : ""}
    ${options.placeholder ? html`placeholder="${options.placeholder}"` : ""}
    ${options.maxlength ? html`maxlength="${options.maxlength}"` : ""}
    ${options.required ? html`required aria-required="true"` : ""}
    ${options.error ? html`aria-invalid="true"` : ""}
    aria-describedby="${describedBy}">
  <p class="field-error" id="${errorId}" data-error-for="${options.name}">${options.error ?? ""}</p>
</div>`;
}

export interface SelectFieldOptions {
  name: string;
  label: string;
  options: readonly string[];
  value?: string;
  error?: string | undefined;
  placeholder: string;
  autocomplete?: string;
}

export function renderSelectField(options: SelectFieldOptions): Html {
  const id = `field-${options.name}`;
  const errorId = `${id}-error`;
  return html`<div class="field${options.error ? " field-invalid" : ""}">
  <label for="${id}">${options.label}</label>
  <select id="${id}" name="${options.name}" required aria-required="true" aria-describedby="${errorId}"
    ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ""}
    ${options.error ? html`aria-invalid="true"` : ""}>
    <option value="">${options.placeholder}</option>
    ${options.options.map(
      (option) => html`<option${option === options.value ? html` selected` : ""}>${option}</option>`,
    )}
  </select>
  <p class="field-error" id="${errorId}" data-error-for="${options.name}">${options.error ?? ""}</p>
</div>`;
}

export function renderCheckboxField(options: {
  name: string;
  label: string;
  checked?: boolean;
  error?: string | undefined;
}): Html {
  const id = `field-${options.name}`;
  const errorId = `${id}-error`;
  return html`<div class="field field-checkbox${options.error ? " field-invalid" : ""}">
  <input id="${id}" name="${options.name}" type="checkbox" value="yes" required aria-describedby="${errorId}"
    ${options.checked ? "checked" : ""} ${options.error ? html`aria-invalid="true"` : ""}>
  <label for="${id}">${options.label}</label>
  <p class="field-error" id="${errorId}" data-error-for="${options.name}">${options.error ?? ""}</p>
</div>`;
}
