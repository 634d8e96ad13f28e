import { useId } from "react";

/**
 * A labelled input (or, with `rows`, a textarea) with its hint, or its error once it has one (the
 * error names the rule that failed, so the two are never shown together), linked for screen readers.
 */
export function TextField(props: {
  label: string;
  name: string;
  type?: "text" | "email" | "password" | "search";
  autoComplete?: string;
  defaultValue?: string;
  error?: string;
  hint?: string;
  /** Required unless told otherwise. */
  required?: boolean;
  maxLength?: number;
  /** A multi-line field of this many rows. */
  rows?: number;
}) {
  const id = useId();
  const hint = props.error ? undefined : props.hint;
  const described = props.error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  const common = {
    id,
    name: props.name,
    autoComplete: props.autoComplete,
    defaultValue: props.defaultValue,
    required: props.required ?? true,
    maxLength: props.maxLength,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": described,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {props.rows ? <textarea {...common} rows={props.rows} /> : <input {...common} type={props.type ?? "text"} />}
      {props.error ? (
        <p id={`${id}-error`} className="field__error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
