import { useId } from "react";

/** A labelled input (or, with `rows`, a textarea) with its error message next to it (linked for screen readers). */
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
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ");
  const common = {
    id,
    name: props.name,
    autoComplete: props.autoComplete,
    defaultValue: props.defaultValue,
    required: props.required ?? true,
    maxLength: props.maxLength,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": described || undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {props.hint}
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
